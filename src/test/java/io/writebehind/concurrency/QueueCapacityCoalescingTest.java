package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindQueueFullException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;

/**
 * Issue point 6, second half: a full queue refuses new ids, but "updates to an id that is already pending take no new
 * room" (WriteBehindSettings.QUEUE_CAPACITY): they must still be accepted, coalesced into the pending write.
 */
class QueueCapacityCoalescingTest extends ConcurrencyTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.QUEUE_CAPACITY, "100" );
		properties.put( WriteBehindSettings.QUEUE_FULL_TIMEOUT_MS, "200" );
	}

	@Test
	void updatesOfPendingIdsAreAcceptedWhenTheQueueIsFull() {
		connections.down( true );
		try {
			for ( long id = 1; id <= 100; id++ ) {
				long key = id;
				inTransaction( em -> em.persist( new Counter( key, "accepted", 0 ) ) );
			}
			RuntimeException failure = assertThrows( RuntimeException.class,
					() -> inTransaction( em -> em.persist( new Counter( 101L, "refused", 0 ) ) ) );
			assertTrue( hasCause( failure, WriteBehindQueueFullException.class ), failure.toString() );
			long coalescedBefore = writeBehind().stats().coalesced();
			for ( int i = 0; i < 3; i++ ) {
				// id 5 is pending: the update coalesces into its pending write and needs no room
				inTransaction( em -> em.find( Counter.class, 5L ).increment() );
			}
			// also a remove of a pending id
			inTransaction( em -> em.remove( em.find( Counter.class, 6L ) ) );
			assertEquals( coalescedBefore + 4, writeBehind().stats().coalesced() );
			assertEquals( 100, writeBehind().stats().pending() );
		}
		finally {
			connections.down( false );
		}
		writeBehind().flush();
		assertEquals( 99, count( "select count(*) from wb_counter" ) );
		assertEquals( 3, count( "select total from wb_counter where id = 5" ) );
		assertEquals( 0, count( "select count(*) from wb_counter where id in (6, 101)" ) );
	}
}
