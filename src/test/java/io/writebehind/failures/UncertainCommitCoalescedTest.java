package io.writebehind.failures;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;
import io.writebehind.testing.Await;
import io.writebehind.testing.FakeTicker;
import io.writebehind.testing.WriteBehindTestBase;

/**
 * A commit made to a write while the write waits to be retried after a flush whose commit answer was lost (the
 * attempt did reach the database): the retry finds in the row what the attempt wrote, not the write's latest state,
 * and must write the newer commits over it, not report a conflict and drop them. The fake ticker holds the retry's
 * backoff until {@code flush()} ends it, so the second commit always comes during the backoff.
 */
class UncertainCommitCoalescedTest extends WriteBehindTestBase {

	private final FakeTicker ticker = new FakeTicker();

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Account.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( FakeTicker.SETTING, ticker );
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "60000" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "60000" );
	}

	@Test
	void anUpdateCommittedAfterAnUncertainInsertIsWritten() {
		inTransaction( em -> em.persist( new Account( 1L, "a", 1 ) ) );
		loseTheNextFlushCommitAnswer();
		assertEquals( 1, count( "select count(*) from wbf_account where id = 1 and version = 0" ), "the insert applied" );

		inTransaction( em -> em.find( Account.class, 1L ).setBalance( 2 ) );
		writeBehind().flush();
		assertEquals( 2, count( "select balance from wbf_account where id = 1 and version = 1" ) );
		assertNothingReported();
	}

	@Test
	void anUpdateCommittedAfterAnUncertainUpdateIsWritten() {
		inTransaction( em -> em.persist( new Account( 1L, "a", 0 ) ) );
		writeBehind().flush();
		inTransaction( em -> em.find( Account.class, 1L ).setBalance( 1 ) );
		loseTheNextFlushCommitAnswer();
		assertEquals( 1, count( "select balance from wbf_account where id = 1 and version = 1" ), "the update applied" );

		inTransaction( em -> em.find( Account.class, 1L ).setBalance( 2 ) );
		writeBehind().flush();
		assertEquals( 2, count( "select balance from wbf_account where id = 1 and version = 2" ) );
		assertNothingReported();

		// the cache and the database agree on the version: the next update applies without a conflict
		inTransaction( em -> em.find( Account.class, 1L ).setBalance( 3 ) );
		writeBehind().flush();
		assertEquals( 3, count( "select balance from wbf_account where id = 1 and version = 3" ) );
		assertNothingReported();
	}

	@Test
	void aRemoveCommittedAfterAnUncertainUpdateIsWritten() {
		inTransaction( em -> em.persist( new Account( 1L, "a", 0 ) ) );
		writeBehind().flush();
		inTransaction( em -> em.find( Account.class, 1L ).setBalance( 1 ) );
		loseTheNextFlushCommitAnswer();
		assertEquals( 1, count( "select balance from wbf_account where id = 1 and version = 1" ), "the update applied" );

		inTransaction( em -> em.remove( em.find( Account.class, 1L ) ) );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wbf_account where id = 1" ) );
		assertNothingReported();
	}

	/** Flushes with the next flush commit's answer lost, and waits until the flusher has put the write back to retry. */
	private void loseTheNextFlushCommitAnswer() {
		long retries = writeBehind().stats().retries();
		connections.loseCommitAnswers( 1, "write-behind-flusher" );
		writeBehind().flush( Duration.ofMillis( 1 ) );
		Await.until( Duration.ofSeconds( 30 ), "the flush whose commit answer was lost",
				() -> writeBehind().stats().retries() > retries );
	}

	private void assertNothingReported() {
		assertEquals( 0, writeBehind().stats().conflicts(), () -> "failed writes " + writeBehind().failedWrites() );
		assertEquals( 0, writeBehind().stats().failed(), () -> "failed writes " + writeBehind().failedWrites() );
		assertTrue( writeBehind().failedWrites().isEmpty(), () -> "failed writes " + writeBehind().failedWrites() );
	}
}
