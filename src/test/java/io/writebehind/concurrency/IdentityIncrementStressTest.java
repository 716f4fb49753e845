package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import io.writebehind.WriteBehindSettings;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Issue 18, under contention: counters with database-generated ids (IDENTITY / AUTO_INCREMENT), persisted while the
 * others are incremented, by 6 threads (find, increment, commit; retried after an optimistic-lock failure) while the
 * flusher writes every 2 ms in small batches. After {@code flush()} every row's total and version equal the increments
 * committed on it, the cache agrees, and the flusher saw no conflict. Several rounds, each on fresh rows.
 */
class IdentityIncrementStressTest extends ConcurrencyTestBase {

	private static final int THREADS = 6;
	private static final int HOT_IDS = 4;
	private static final int INCREMENTS_PER_THREAD = 100;

	@Entity(name = "WbiHotCounter")
	@Table(name = "wbi_hot_counter")
	@WriteBehindEntity
	public static class HotCounter {
		@Id
		@GeneratedValue(strategy = GenerationType.IDENTITY)
		Long id;
		@Version
		long version;
		long total;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { HotCounter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.MAX_DELAY_MS, "2" );
		properties.put( WriteBehindSettings.FLUSH_THRESHOLD, "3" );
		properties.put( WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "3" );
		properties.put( "hibernate.jdbc.batch_size", "3" );
	}

	@Test
	void everyCommittedIncrementReachesTheDatabaseOnce() {
		long seed = baseSeed();
		LongAdder retries = new LongAdder();
		for ( int round = 0; round < 10; round++ ) {
			String context = "round " + round + ", seed " + seed;
			AtomicLongArray committed = new AtomicLongArray( HOT_IDS );
			AtomicLongArray created = new AtomicLongArray( HOT_IDS );
			long roundSeed = seed + round;
			// the first id exists before the threads start; threads 1-3 persist the others while the rest increment
			created.set( 0, persist() );
			runConcurrently( "identity-incrementer", THREADS, Duration.ofSeconds( 90 ), t -> {
				Random random = new Random( roundSeed * 31 + t );
				if ( t > 0 && t < HOT_IDS ) {
					created.set( t, persist() );
				}
				for ( int i = 0; i < INCREMENTS_PER_THREAD; i++ ) {
					int index = random.nextInt( HOT_IDS );
					if ( created.get( index ) == 0 ) {
						index = 0; // not persisted yet
					}
					long target = created.get( index );
					retries.add( retryUntilCommitted( em -> em.find( HotCounter.class, target ).total++ ) );
					committed.incrementAndGet( index );
				}
			} );
			writeBehind().flush();
			long sum = 0;
			for ( int i = 0; i < HOT_IDS; i++ ) {
				long id = created.get( i );
				assertTrue( id > 0, context + ": id " + i + " persisted" );
				long total = count( "select total from wbi_hot_counter where id = ?", id );
				assertEquals( committed.get( i ), total, context + ": total of id " + id + " in the database" );
				assertEquals( committed.get( i ), count( "select version from wbi_hot_counter where id = ?", id ),
						context + ": version of id " + id + " in the database" );
				HotCounter cached = fromTransaction( em -> em.find( HotCounter.class, id ) );
				assertEquals( committed.get( i ), cached.total, context + ": total of id " + id + " read through JPA" );
				assertEquals( committed.get( i ), cached.version, context + ": version of id " + id + " through JPA" );
				sum += total;
			}
			assertEquals( (long) THREADS * INCREMENTS_PER_THREAD, sum, context );
			assertNoConflictsOrFailures( context );
			assertEquals( 0, writeBehind().stats().pending(), context );
		}
		assertEquals( 40, count( "select count(*) from wbi_hot_counter" ), "one row per persist, none inserted twice" );
		System.out.printf( "%s: %d optimistic retries, %s%n", getClass().getSimpleName(), retries.sum(),
				writeBehind().stats() );
	}

	private long persist() {
		return fromTransaction( em -> {
			HotCounter counter = new HotCounter();
			em.persist( counter );
			return counter.id;
		} );
	}
}
