package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import jakarta.persistence.CacheRetrieveMode;
import jakarta.persistence.CacheStoreMode;
import jakarta.persistence.EntityManager;

/**
 * Issue point 1, under contention: 8 threads run read-modify-write increments (find, increment, commit; the whole
 * transaction retried after an optimistic-lock failure) on 5 hot ids while the flusher writes every 2 ms in small
 * batches. Every committed increment must reach the database exactly once: after {@code flush()} each row's total and
 * version equal the number of increments committed on it, the cache agrees, and the flusher never saw a conflict
 * (which would mean that two commits based on the same version were both accepted, or that a coalesced write was
 * checked against the wrong version). Many rounds, each on fresh ids, to catch races.
 */
class IncrementStressTest extends ConcurrencyTestBase {

	private static final int THREADS = 8;
	private static final int HOT_IDS = 5;
	private static final int INCREMENTS_PER_THREAD = 120;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.MAX_DELAY_MS, "2" );
		properties.put( WriteBehindSettings.FLUSH_THRESHOLD, "3" );
		properties.put( WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "3" );
		properties.put( "hibernate.jdbc.batch_size", "3" );
	}

	@ParameterizedTest(name = "{0} flusher thread(s)")
	@ValueSource(ints = { 1, 4 })
	void everyCommittedIncrementReachesTheDatabaseOnce(int flusherThreads) {
		if ( flusherThreads != 1 ) {
			reopen( Map.of( WriteBehindSettings.FLUSHER_THREADS, Integer.toString( flusherThreads ) ) );
		}
		stress( 40, false );
	}

	/**
	 * As above, with JPA's cache modes mixed at random: a third of the transactions commit with
	 * {@code CacheStoreMode.BYPASS} (their writes, once written, leave no clean entry: the next read goes to the
	 * database and caches the row again, racing the next writes), and a third read with
	 * {@code CacheRetrieveMode.BYPASS} (the database, unless a write is pending).
	 */
	@ParameterizedTest(name = "{0} flusher thread(s)")
	@ValueSource(ints = { 1, 4 })
	void everyCommittedIncrementReachesTheDatabaseOnceWithCacheModesMixed(int flusherThreads) {
		if ( flusherThreads != 1 ) {
			reopen( Map.of( WriteBehindSettings.FLUSHER_THREADS, Integer.toString( flusherThreads ) ) );
		}
		stress( 40, true );
	}

	private void stress(int rounds, boolean mixedCacheModes) {
		long seed = baseSeed();
		LongAdder retries = new LongAdder();
		long started = System.nanoTime();
		for ( int round = 0; round < rounds; round++ ) {
			long firstId = 1_000L * ( round + 1 );
			String context = "round " + round + ", seed " + seed;
			inTransaction( em -> {
				for ( int i = 0; i < HOT_IDS; i++ ) {
					em.persist( new Counter( firstId + i, "hot", 0 ) );
				}
			} );
			AtomicLongArray committed = new AtomicLongArray( HOT_IDS );
			long roundSeed = seed + round;
			runConcurrently( "incrementer", THREADS, Duration.ofSeconds( 60 ), t -> {
				Random random = new Random( roundSeed * 31 + t );
				for ( int i = 0; i < INCREMENTS_PER_THREAD; i++ ) {
					int index = random.nextInt( HOT_IDS );
					int mode = mixedCacheModes ? random.nextInt( 3 ) : 0;
					retries.add( retryUntilCommitted( em -> increment( em, firstId + index, mode ) ) );
					committed.incrementAndGet( index );
				}
			} );
			writeBehind().flush();

			Map<Long, long[]> rows = counterRows( firstId, firstId + HOT_IDS - 1 );
			assertEquals( HOT_IDS, rows.size(), context );
			long sum = 0;
			for ( int i = 0; i < HOT_IDS; i++ ) {
				long[] row = rows.get( firstId + i );
				assertEquals( committed.get( i ), row[0], context + ": total of id " + ( firstId + i ) + " in the database" );
				assertEquals( committed.get( i ), row[1], context + ": version of id " + ( firstId + i ) + " in the database" );
				sum += row[0];
			}
			assertEquals( (long) THREADS * INCREMENTS_PER_THREAD, sum, context );
			assertEquals( sum, count( "select sum(total) from wb_counter where id between ? and ?", firstId, firstId + HOT_IDS - 1 ),
					context );
			for ( int i = 0; i < HOT_IDS; i++ ) {
				long id = firstId + i;
				Counter cached = fromTransaction( em -> em.find( Counter.class, id ) );
				assertEquals( committed.get( i ), cached.getTotal(), context + ": total of id " + id + " read through JPA" );
				assertEquals( committed.get( i ), cached.getVersion(), context + ": version of id " + id + " read through JPA" );
			}
			assertNoConflictsOrFailures( context );
			assertEquals( 0, writeBehind().stats().pending(), context );
		}
		System.out.printf( "%s: %d rounds x %d increments, %d optimistic retries, %d ms, %s%n", getClass().getSimpleName(),
				rounds, THREADS * INCREMENTS_PER_THREAD, retries.sum(), ( System.nanoTime() - started ) / 1_000_000,
				writeBehind().stats() );
	}

	/** {@code mode}: 0 the defaults, 1 the commit bypasses the cache, 2 the read does. */
	private static void increment(EntityManager em, long id, int mode) {
		if ( mode == 1 ) {
			em.setCacheStoreMode( CacheStoreMode.BYPASS );
		}
		Counter counter = mode == 2 ? em.find( Counter.class, id, CacheRetrieveMode.BYPASS ) : em.find( Counter.class, id );
		assertNotNull( counter, "counter " + id );
		counter.increment();
	}
}
