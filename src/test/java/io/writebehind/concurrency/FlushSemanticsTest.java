package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;
import io.writebehind.model.Counter;

/**
 * Issue point 4: {@code flush()} returns only once every write committed before the call is in the database, also
 * while other threads keep committing, and within a bounded time (no starvation by the newer writes);
 * {@code flush(Duration)} returns {@code false} while the database is down and {@code true} once it is back, and no
 * committed write is lost or written twice.
 */
class FlushSemanticsTest extends ConcurrencyTestBase {

	private static final int HOT_IDS = 20;
	private static final long INSERT_BASE = 1_000_000;
	/** Longest time one flush() may take under the load of these tests; they usually take milliseconds. */
	private static final Duration FLUSH_BOUND = Duration.ofSeconds( 15 );

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	/** What makes the flusher write, besides {@code flush()}: the settings the factory is reopened with. */
	enum Flushing {
		/** max_delay 10 minutes, flush_threshold 100000 (the test base's): only flush() makes the flusher write. */
		FLUSH_DRIVEN( Map.of() ),
		/** Every 5 ms or 16 writes per thread, on three flusher threads. */
		FLUSHER_RUNNING( Map.of( WriteBehindSettings.MAX_DELAY_MS, "5", WriteBehindSettings.FLUSH_THRESHOLD, "48", WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "16",
				WriteBehindSettings.FLUSHER_THREADS, "3" ) );

		final Map<String, Object> settings;

		Flushing(Map<String, Object> settings) {
			this.settings = settings;
		}
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource
	void flushWaitsForEveryEarlierCommitWhileOthersKeepCommitting(Flushing flushing) {
		if ( !flushing.settings.isEmpty() ) {
			reopen( flushing.settings );
		}
		flushUnderContinuousLoad( Duration.ofSeconds( 4 ) );
	}

	/**
	 * Writers increment hot ids and persist new ids without pause; two checker threads repeatedly take a snapshot of
	 * what has been committed, call flush (or flush(Duration)), and read the database with plain JDBC: every row must
	 * be at least as new as the snapshot, and every flush must return within {@link #FLUSH_BOUND}.
	 */
	private void flushUnderContinuousLoad(Duration duration) {
		inTransaction( em -> {
			for ( long id = 1; id <= HOT_IDS; id++ ) {
				em.persist( new Counter( id, "hot", 0 ) );
			}
		} );
		AtomicLongArray committedTotal = new AtomicLongArray( HOT_IDS + 1 );
		Set<Long> inserted = ConcurrentHashMap.newKeySet();
		AtomicLong nextInsert = new AtomicLong( INSERT_BASE );
		AtomicBoolean stop = new AtomicBoolean();
		LongAdder commits = new LongAdder();
		LongAdder flushes = new LongAdder();
		AtomicLong slowestFlushNanos = new AtomicLong();
		long seed = baseSeed();
		long end = System.nanoTime() + duration.toNanos();
		runConcurrently( "load", 6, duration.plus( Duration.ofSeconds( 120 ) ), t -> {
			Random random = new Random( seed + t );
			if ( t < 4 ) {
				// writers: mostly increments of hot ids (coalesced), some inserts of new ids; the load stays below what
				// the database can absorb, so that the time a flush takes measures waiting, not an ever-growing backlog
				int inserts = 0;
				while ( !stop.get() ) {
					if ( random.nextInt( 20 ) == 0 && inserts++ < 3_000 ) {
						long id = nextInsert.incrementAndGet();
						inTransaction( em -> em.persist( new Counter( id, "new", 1 ) ) );
						inserted.add( id );
					}
					else {
						int id = 1 + random.nextInt( HOT_IDS );
						long[] total = new long[1];
						retryUntilCommitted( em -> {
							Counter counter = em.find( Counter.class, (long) id );
							counter.increment();
							total[0] = counter.getTotal();
						} );
						committedTotal.accumulateAndGet( id, total[0], Math::max );
					}
					commits.increment();
				}
				return;
			}
			// checkers
			try {
				while ( System.nanoTime() < end ) {
					long[] before = new long[HOT_IDS + 1];
					for ( int id = 1; id <= HOT_IDS; id++ ) {
						before[id] = committedTotal.get( id );
					}
					Set<Long> insertedBefore = new HashSet<>( inserted );
					long commitsBefore = commits.sum();
					long started = System.nanoTime();
					if ( random.nextBoolean() ) {
						writeBehind().flush();
					}
					else {
						assertTrue( writeBehind().flush( FLUSH_BOUND.multipliedBy( 2 ) ), "flush(Duration) timed out" );
					}
					long took = System.nanoTime() - started;
					slowestFlushNanos.accumulateAndGet( took, Math::max );
					flushes.increment();
					assertTrue( took < FLUSH_BOUND.toNanos(), "flush() took " + took / 1_000_000 + " ms while "
							+ ( commits.sum() - commitsBefore ) + " commits arrived" );
					Map<Long, long[]> rows = counterRows( 1, Long.MAX_VALUE );
					for ( int id = 1; id <= HOT_IDS; id++ ) {
						assertTrue( rows.get( (long) id )[0] >= before[id], "id " + id + ": committed total " + before[id]
								+ " before flush(), the database has " + rows.get( (long) id )[0] + " after it" );
					}
					for ( long id : insertedBefore ) {
						assertTrue( rows.containsKey( id ), "id " + id + " was committed before flush() but is not in the database" );
					}
				}
			}
			finally {
				stop.set( true );
			}
		} );
		writeBehind().flush();
		Map<Long, long[]> rows = counterRows( 1, Long.MAX_VALUE );
		for ( int id = 1; id <= HOT_IDS; id++ ) {
			assertEquals( committedTotal.get( id ), rows.get( (long) id )[0], "final total of " + id );
			assertEquals( committedTotal.get( id ), rows.get( (long) id )[1], "final version of " + id );
		}
		assertEquals( HOT_IDS + inserted.size(), rows.size() );
		assertNoConflictsOrFailures( "flush under load" );
		assertTrue( flushes.sum() >= 4, "only " + flushes.sum() + " flushes" );
		System.out.printf( "%s: %d commits, %d flushes under load, slowest %d ms, %s%n", getClass().getSimpleName(),
				commits.sum(), flushes.sum(), slowestFlushNanos.get() / 1_000_000, writeBehind().stats() );
	}

	/**
	 * Writes committed before and during an outage: flush(Duration) times out (false) while the database is down, then
	 * returns true, and every write is in the database exactly once (each pending write flushed once, no conflict, no
	 * duplicate-key failure).
	 */
	@Test
	void flushWithTimeoutIsFalseWhileTheDatabaseIsDownAndTrueOnceItIsBack() {
		reopen( Map.of( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "10", WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "50" ) );
		inTransaction( em -> {
			for ( long id = 1; id <= 10; id++ ) {
				em.persist( new Counter( id, "before", 0 ) );
			}
		} );
		writeBehind().flush();
		WriteBehindStats before = writeBehind().stats();
		connections.down( true );
		try {
			for ( int round = 0; round < 3; round++ ) {
				for ( long id = 4; id <= 10; id++ ) {
					long key = id;
					inTransaction( em -> em.find( Counter.class, key ).increment() );
				}
			}
			for ( long id = 11; id <= 20; id++ ) {
				long key = id;
				inTransaction( em -> em.persist( new Counter( key, "during", 1 ) ) );
			}
			for ( long id = 1; id <= 3; id++ ) {
				long key = id;
				inTransaction( em -> em.remove( em.find( Counter.class, key ) ) );
			}
			inTransaction( em -> em.persist( new Counter( 2L, "again", 7 ) ) );
			assertFalse( writeBehind().flush( Duration.ofMillis( 300 ) ), "flush(Duration) while the database is down" );
			inTransaction( em -> em.find( Counter.class, 11L ).increment() );
			assertFalse( writeBehind().flush( Duration.ofMillis( 300 ) ), "flush(Duration) while the database is down" );
			assertEquals( 20, writeBehind().stats().pending() );
			assertTrue( writeBehind().stats().retries() > before.retries(), writeBehind().stats().toString() );
		}
		finally {
			connections.down( false );
		}
		assertTrue( writeBehind().flush( Duration.ofSeconds( 30 ) ), "flush(Duration) once the database is back" );
		WriteBehindStats after = writeBehind().stats();
		assertEquals( 0, after.pending() );
		// ids 1..20 each had one pending write, written once: 2 deletes, 1 update (2, persisted again), 7 updates, 10 inserts
		assertEquals( 20, after.flushed() - before.flushed(), after.toString() );
		assertNoConflictsOrFailures( "after the outage" );
		Map<Long, long[]> rows = counterRows( 1, 100 );
		assertEquals( 18, rows.size(), rows.keySet().toString() );
		assertFalse( rows.containsKey( 1L ) || rows.containsKey( 3L ) );
		assertEquals( 1, count( "select count(*) from wb_counter where id = 2 and name = 'again' and total = 7 and version = 0" ) );
		for ( long id = 4; id <= 10; id++ ) {
			assertArrayEquals( new long[] { 3, 3 }, rows.get( id ), "id " + id );
		}
		assertArrayEquals( new long[] { 2, 1 }, rows.get( 11L ) );
		for ( long id = 12; id <= 20; id++ ) {
			assertArrayEquals( new long[] { 1, 0 }, rows.get( id ), "id " + id );
		}
		// and the flusher is healthy again
		inTransaction( em -> em.find( Counter.class, 4L ).increment() );
		assertTrue( writeBehind().flush( Duration.ofSeconds( 30 ) ) );
		assertEquals( 4, count( "select total from wb_counter where id = 4" ) );
	}

	/**
	 * The same under concurrent load, with the flusher retrying every few milliseconds: while the database is down and
	 * writes are pending, every flush(Duration) is false; once it is back, true, and every committed write is there.
	 */
	@Test
	void flushWithTimeoutIsFalseDuringAnOutageUnderConcurrentLoad() {
		reopen( Map.of( WriteBehindSettings.MAX_DELAY_MS, "1", WriteBehindSettings.FLUSH_THRESHOLD, "50", WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "50",
				WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "5", WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "20" ) );
		inTransaction( em -> {
			for ( long id = 1; id <= HOT_IDS; id++ ) {
				em.persist( new Counter( id, "hot", 0 ) );
			}
		} );
		writeBehind().flush();
		AtomicLongArray committedTotal = new AtomicLongArray( HOT_IDS + 1 );
		Set<Long> inserted = ConcurrentHashMap.newKeySet();
		AtomicLong nextInsert = new AtomicLong( INSERT_BASE );
		AtomicBoolean stop = new AtomicBoolean();
		LongAdder falseWhileDown = new LongAdder();
		// commits of transactions begun once the database was down: their writes cannot reach it before it is back
		AtomicBoolean databaseDown = new AtomicBoolean();
		LongAdder committedWhileDown = new LongAdder();
		long seed = baseSeed();
		runConcurrently( "outage", 4, Duration.ofSeconds( 120 ), t -> {
			Random random = new Random( seed + t );
			if ( t > 0 ) {
				while ( !stop.get() ) {
					boolean begunWhileDown = databaseDown.get();
					if ( random.nextInt( 3 ) == 0 ) {
						long id = nextInsert.incrementAndGet();
						inTransaction( em -> em.persist( new Counter( id, "new", 1 ) ) );
						inserted.add( id );
					}
					else {
						int id = 1 + random.nextInt( HOT_IDS );
						long[] total = new long[1];
						retryUntilCommitted( em -> {
							Counter counter = em.find( Counter.class, (long) id );
							counter.increment();
							total[0] = counter.getTotal();
						} );
						committedTotal.accumulateAndGet( id, total[0], Math::max );
					}
					if ( begunWhileDown && databaseDown.get() ) {
						committedWhileDown.increment();
					}
				}
				return;
			}
			try {
				Thread.sleep( 200 );
				connections.down( true );
				databaseDown.set( true );
				long downUntil = System.nanoTime() + Duration.ofMillis( 1500 ).toNanos();
				while ( System.nanoTime() < downUntil ) {
					// only a write committed before the call counts, and one whose transaction began while the
					// database was down certainly cannot have reached it (a write still being published when
					// pending() is read may be one flush() need not wait for)
					long committedBefore = committedWhileDown.sum();
					boolean done = writeBehind().flush( Duration.ofMillis( 100 ) );
					if ( committedBefore > 0 ) {
						assertFalse( done, "flush(Duration) returned true while the database was down and "
								+ committedBefore + " commit(s) had returned since: " + writeBehind().stats() );
						falseWhileDown.increment();
					}
				}
				databaseDown.set( false );
				connections.down( false );
				Thread.sleep( 200 );
			}
			finally {
				connections.down( false );
				stop.set( true );
			}
		} );
		assertTrue( writeBehind().flush( Duration.ofSeconds( 30 ) ) );
		Map<Long, long[]> rows = counterRows( 1, Long.MAX_VALUE );
		for ( int id = 1; id <= HOT_IDS; id++ ) {
			assertEquals( committedTotal.get( id ), rows.get( (long) id )[0], "total of " + id );
			assertEquals( committedTotal.get( id ), rows.get( (long) id )[1], "version of " + id );
		}
		assertEquals( HOT_IDS + inserted.size(), rows.size() );
		assertNoConflictsOrFailures( "after the outage under load" );
		assertTrue( falseWhileDown.sum() >= 5, "flushes during the outage: " + falseWhileDown.sum() );
		System.out.printf( "%s: %d flush(Duration) calls returned false during the outage, %s%n",
				getClass().getSimpleName(), falseWhileDown.sum(), writeBehind().stats() );
	}
}
