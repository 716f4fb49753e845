package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindQueueFullException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import jakarta.persistence.EntityManager;

/**
 * Issue point 6, capacity and backpressure: with queue_capacity=100 and the database down (nothing drains), exactly 100
 * ids are accepted, the commit that needs more room fails with {@link WriteBehindQueueFullException} after
 * queue_full_timeout_ms, a transaction is accepted or refused whole, and once the database is back exactly the accepted
 * writes are in it. Transactions that roll back or fail give their room back.
 */
class QueueCapacityTest extends ConcurrencyTestBase {

	private static final int CAPACITY = 100;
	private static final long TIMEOUT_MS = 200;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.QUEUE_CAPACITY, Integer.toString( CAPACITY ) );
		properties.put( WriteBehindSettings.QUEUE_FULL_TIMEOUT_MS, Long.toString( TIMEOUT_MS ) );
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "10" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "50" );
	}

	@Test
	void theCommitThatNeedsMoreRoomThanTheCapacityFailsAndTheAcceptedWritesAreWritten() {
		connections.down( true );
		try {
			for ( long id = 1; id <= CAPACITY; id++ ) {
				long key = id;
				inTransaction( em -> em.persist( new Counter( key, "accepted", key ) ) );
			}
			assertEquals( CAPACITY, writeBehind().stats().pending() );
			// the queue is full and nothing drains: the 101st id waits queue_full_timeout_ms and is refused
			long started = System.nanoTime();
			RuntimeException failure = assertThrows( RuntimeException.class,
					() -> inTransaction( em -> em.persist( new Counter( 101L, "refused", 0 ) ) ) );
			long waitedMs = ( System.nanoTime() - started ) / 1_000_000;
			assertTrue( hasCause( failure, WriteBehindQueueFullException.class ), failure.toString() );
			assertTrue( waitedMs >= TIMEOUT_MS - 20, "refused after " + waitedMs + " ms" );
			assertEquals( CAPACITY, writeBehind().stats().pending() );
			assertFalse( writeBehind().flush( Duration.ofMillis( 200 ) ) );
		}
		finally {
			connections.down( false );
		}
		// (an id write-behind does not know is read from the database, so only now)
		assertNull( fromTransaction( em -> em.find( Counter.class, 101L ) ) );
		writeBehind().flush();
		assertEquals( CAPACITY, count( "select count(*) from wb_counter" ) );
		assertEquals( CAPACITY, count( "select count(*) from wb_counter where name = 'accepted' and total = id" ) );
		assertEquals( 0, count( "select count(*) from wb_counter where id = 101" ) );
		assertNoConflictsOrFailures( "capacity" );
		// the flush freed the room
		inTransaction( em -> em.persist( new Counter( 101L, "accepted later", 0 ) ) );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_counter where id = 101" ) );
	}

	@Test
	void aTransactionIsAcceptedOrRefusedWhole() {
		connections.down( true );
		try {
			for ( long id = 1; id <= CAPACITY - 2; id++ ) {
				long key = id;
				inTransaction( em -> em.persist( new Counter( key, "accepted", 0 ) ) );
			}
			RuntimeException failure = assertThrows( RuntimeException.class, () -> inTransaction( em -> {
				for ( long id = 201; id <= 203; id++ ) {
					em.persist( new Counter( id, "refused", 0 ) );
				}
			} ) );
			assertTrue( hasCause( failure, WriteBehindQueueFullException.class ), failure.toString() );
			// exactly two more fit
			inTransaction( em -> {
				em.persist( new Counter( 301L, "accepted", 0 ) );
				em.persist( new Counter( 302L, "accepted", 0 ) );
			} );
			assertEquals( CAPACITY, writeBehind().stats().pending() );
		}
		finally {
			connections.down( false );
		}
		for ( long id = 201; id <= 203; id++ ) {
			long key = id;
			assertNull( fromTransaction( em -> em.find( Counter.class, key ) ), "id " + id );
		}
		writeBehind().flush();
		assertEquals( CAPACITY, count( "select count(*) from wb_counter where name = 'accepted'" ) );
		assertEquals( 0, count( "select count(*) from wb_counter where id between 201 and 203" ) );
	}

	/** 8 threads race to commit 240 distinct ids into a queue of 100 that does not drain: exactly 100 win. */
	@Test
	void concurrentCommitsIntoAQueueThatDoesNotDrainAcceptExactlyTheCapacity() {
		Set<Long> accepted = ConcurrentHashMap.newKeySet();
		LongAdder refused = new LongAdder();
		connections.down( true );
		try {
			runConcurrently( "filler", 8, Duration.ofSeconds( 120 ), t -> {
				for ( int i = 0; i < 30; i++ ) {
					long id = 1_000L * ( t + 1 ) + i;
					try {
						inTransaction( em -> em.persist( new Counter( id, "accepted", id ) ) );
						accepted.add( id );
					}
					catch (RuntimeException e) {
						if ( !hasCause( e, WriteBehindQueueFullException.class ) ) {
							throw e;
						}
						refused.increment();
					}
				}
			} );
			assertEquals( CAPACITY, accepted.size() );
			assertEquals( 240 - CAPACITY, refused.sum() );
			assertEquals( CAPACITY, writeBehind().stats().pending() );
		}
		finally {
			connections.down( false );
		}
		writeBehind().flush();
		Set<Long> written = new TreeSet<>( counterRows( 0, Long.MAX_VALUE ).keySet() );
		assertEquals( new TreeSet<>( accepted ), written, "exactly the accepted ids are in the database" );
		assertNoConflictsOrFailures( "concurrent fill" );
	}

	/**
	 * Transactions that roll back, fail the optimistic check, or are refused for lack of room, by the thousand and from
	 * 8 threads, take no room for good: afterwards the full capacity is still available.
	 */
	@Test
	void failedAndRolledBackTransactionsGiveTheirRoomBack() {
		inTransaction( em -> {
			for ( long id = 1; id <= 4; id++ ) {
				em.persist( new Counter( id, "hot", 0 ) );
			}
		} );
		writeBehind().flush();
		long seed = baseSeed();
		runConcurrently( "no-room-leak", 8, Duration.ofSeconds( 120 ), t -> {
			Random random = new Random( seed + t );
			for ( int i = 0; i < 250; i++ ) {
				long hot = 1 + random.nextInt( 4 );
				long ghost = 100_000L * ( t + 1 ) + i;
				switch ( random.nextInt( 3 ) ) {
					case 0 -> {
						EntityManager em = emf.createEntityManager();
						try {
							em.getTransaction().begin();
							em.persist( new Counter( ghost, "rolled back", 0 ) );
							em.find( Counter.class, hot ).increment();
							em.flush();
							em.getTransaction().rollback();
						}
						finally {
							em.close();
						}
					}
					case 1 -> {
						// stale: another transaction commits the same id between the read and the commit
						EntityManager em = emf.createEntityManager();
						try {
							em.getTransaction().begin();
							em.persist( new Counter( ghost, "stale", 0 ) );
							em.find( Counter.class, hot ).increment();
							retryUntilCommitted( other -> other.find( Counter.class, hot ).setName( "n" + ghost ) );
							RuntimeException failure = assertThrows( RuntimeException.class, () -> em.getTransaction().commit() );
							assertTrue( isOptimisticFailure( failure ), failure.toString() );
						}
						finally {
							em.close();
						}
					}
					default -> retryUntilCommitted( em -> em.find( Counter.class, hot ).increment() );
				}
				if ( i % 50 == 0 ) {
					writeBehind().flush();
				}
			}
		} );
		writeBehind().flush();
		assertEquals( 0, writeBehind().stats().pending() );
		// all the room is free: 100 new ids fit without waiting (the database is down, so nothing could drain)
		connections.down( true );
		try {
			for ( long id = 1_000_001; id <= 1_000_000 + CAPACITY; id++ ) {
				long key = id;
				inTransaction( em -> em.persist( new Counter( key, "fits", 0 ) ) );
			}
		}
		finally {
			connections.down( false );
		}
		writeBehind().flush();
		assertEquals( CAPACITY, count( "select count(*) from wb_counter where name = 'fits'" ) );
		assertEquals( 0, count( "select count(*) from wb_counter where name in ('rolled back', 'stale')" ) );
		assertNoConflictsOrFailures( "room leak" );
	}
}
