package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.testing.Await;

/**
 * flush(Duration) after a transient failure of a batch that mixes operations: the failed cycle's writes go back to the
 * front of the queue; flush() must still wait for every write committed before it was called.
 */
class FlushAfterTransientFailureTest extends ConcurrencyTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		// flush_threshold 2: two queued writes are due at once, so one cycle takes an older update and a newer insert
		properties.put( WriteBehindSettings.FLUSH_THRESHOLD, "2" );
		properties.put( WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "2" );
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "50" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "50" );
	}

	/**
	 * 1. id 1 is in the database; the database goes down. 2. an update of id 1 is committed. 3. another thread calls
	 * flush(3 s): its cycle fails and is retried with backoff. 4. an insert of id 2 is committed: two writes are queued,
	 * so the next cycle takes both; it fails; the writes are put back in statement order (INSERT 2, UPDATE 1), not in
	 * commit order. The flush waits for the update of id 1, committed before it was called: it must not return true
	 * while the database is down.
	 */
	@Test
	void flushDoesNotReportAWriteCommittedBeforeItAsDoneAfterAMixedBatchFailed() throws Exception {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 0 ) ) );
		writeBehind().flush();
		connections.down( true );
		try {
			inTransaction( em -> em.find( Counter.class, 1L ).increment() );
			long retriesBefore = writeBehind().stats().retries();
			CompletableFuture<Boolean> flush = CompletableFuture.supplyAsync( () -> writeBehind().flush( Duration.ofSeconds( 3 ) ) );
			// until the flush's first cycle has failed: the flush was called before the insert
			Await.until( Duration.ofSeconds( 10 ), "the flush tried to write",
					() -> writeBehind().stats().retries() > retriesBefore );
			inTransaction( em -> em.persist( new Counter( 2L, "b", 0 ) ) );
			boolean done = flush.get( 10, TimeUnit.SECONDS );
			assertEquals( 0, count( "select total from wb_counter where id = 1" ), "the database was down" );
			assertFalse( done, "flush(3 s) returned true while the database was down and the update of id 1, committed "
					+ "before the call, was not written: " + writeBehind().stats() );
		}
		finally {
			connections.down( false );
		}
		writeBehind().flush();
		assertEquals( 1, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 1, count( "select count(*) from wb_counter where id = 2" ) );
	}
}
