package io.writebehind.failures;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;
import io.writebehind.testing.WriteBehindTestBase;

/**
 * Issue 5, point 2: a flush whose commit reached the database but whose answer was lost (connection reset during
 * COMMIT) is retried; the retry finds the rows already written and must not report them as conflicts or failures,
 * nor write them twice.
 */
class UnknownCommitOutcomeTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Account.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "10" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "50" );
	}

	@Test
	void insertsUpdatesAndDeletesWhoseCommitAnswerWasLostAreNotReportedAsFailures() {
		inTransaction( em -> {
			for ( long id = 1; id <= 10; id++ ) {
				em.persist( new Account( id, "a", id ) );
			}
		} );
		connections.loseCommitAnswers( 1, "write-behind-flusher" );
		writeBehind().flush();
		assertEquals( 10, count( "select count(*) from wbf_account" ) );
		assertEquals( 0, writeBehind().stats().failed() );
		assertEquals( 0, writeBehind().stats().conflicts() );
		assertTrue( writeBehind().stats().retries() >= 1 );

		inTransaction( em -> {
			for ( long id = 1; id <= 5; id++ ) {
				em.find( Account.class, id ).setBalance( 100 );
			}
			for ( long id = 6; id <= 10; id++ ) {
				em.remove( em.find( Account.class, id ) );
			}
		} );
		connections.loseCommitAnswers( 1, "write-behind-flusher" );
		writeBehind().flush();
		assertEquals( 5, count( "select count(*) from wbf_account" ) );
		assertEquals( 5, count( "select count(*) from wbf_account where balance = 100 and version = 1" ) );
		assertEquals( 0, writeBehind().stats().failed() );
		assertEquals( 0, writeBehind().stats().conflicts() );
		assertTrue( writeBehind().failedWrites().isEmpty() );

		// and the cache and database agree on the versions: the next update applies without a conflict
		inTransaction( em -> em.find( Account.class, 1L ).setBalance( 101 ) );
		writeBehind().flush();
		assertEquals( 101, count( "select balance from wbf_account where id = 1 and version = 2" ) );
		assertEquals( 0, writeBehind().stats().conflicts() );
	}
}
