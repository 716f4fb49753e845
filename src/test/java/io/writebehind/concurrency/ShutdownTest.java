package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.testing.Await;

/**
 * Issue point 5a: closing the EntityManagerFactory drains the queue first. max_delay is 10 minutes here, so nothing is
 * written before the close; every committed write must be in the database (read with plain JDBC) when close returns.
 */
class ShutdownTest extends ConcurrencyTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		// the base's max_delay (10 minutes) and flush_threshold (100000): nothing is written before the close
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "20" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "100" );
	}

	/** 6 threads persist, increment and remove ids of their own; then close; the database holds exactly their commits. */
	@Test
	void closingTheFactoryWritesEverythingCommittedByManyThreads() {
		Map<Long, Long> expected = new ConcurrentHashMap<>(); // id -> total; removed ids are absent
		long seed = baseSeed();
		runConcurrently( "closer", 6, Duration.ofSeconds( 120 ), t -> {
			Random random = new Random( seed + t );
			long first = 1_000L * ( t + 1 );
			for ( long id = first; id < first + 60; id++ ) {
				long key = id;
				inTransaction( em -> em.persist( new Counter( key, "c", 0 ) ) );
				expected.put( id, 0L );
			}
			for ( int i = 0; i < 200; i++ ) {
				long id = first + random.nextInt( 60 );
				if ( !expected.containsKey( id ) ) {
					continue;
				}
				if ( random.nextInt( 20 ) == 0 ) {
					inTransaction( em -> em.remove( em.find( Counter.class, id ) ) );
					expected.remove( id );
				}
				else {
					inTransaction( em -> em.find( Counter.class, id ).increment() );
					expected.merge( id, 1L, Long::sum );
				}
			}
		} );
		assertEquals( 0, count( "select count(*) from wb_counter" ), "max_delay is 10 minutes: nothing is written yet" );
		long pending = writeBehind().stats().pending();
		assertTrue( pending >= expected.size(), "pending " + pending );
		emf.close();
		assertThrows( IllegalArgumentException.class, () -> WriteBehind.of( emf ) );
		Map<Long, long[]> rows = counterRows( 0, Long.MAX_VALUE );
		assertEquals( expected.keySet(), rows.keySet() );
		expected.forEach( (id, total) -> {
			assertEquals( total, rows.get( id )[0], "total of " + id );
			assertEquals( total, rows.get( id )[1], "version of " + id );
		} );
	}

	/** The database is down when close starts: close keeps retrying (within shutdown_timeout_ms) until it is back. */
	@Test
	void closingTheFactoryWaitsForTheDatabaseToComeBack() throws Exception {
		for ( long id = 1; id <= 50; id++ ) {
			long key = id;
			inTransaction( em -> em.persist( new Counter( key, "c", key ) ) );
		}
		connections.down( true );
		AtomicReference<Throwable> closeFailure = new AtomicReference<>();
		Thread closer = new Thread( () -> {
			try {
				emf.close();
			}
			catch (Throwable t) {
				closeFailure.set( t );
			}
		}, "closer" );
		WriteBehind wb = writeBehind();
		long failuresBefore = wb.stats().flushFailures();
		try {
			closer.start();
			// not a time but the flusher's failed attempts: after three of them while closing, close still waits
			Await.until( Duration.ofSeconds( 30 ), "three failed flush attempts while closing",
					() -> wb.stats().flushFailures() >= failuresBefore + 3 || !closer.isAlive() );
			assertTrue( closer.isAlive(), "close returned while the database was down and 50 writes were pending" );
		}
		finally {
			connections.down( false );
		}
		closer.join( 30_000 );
		assertFalse( closer.isAlive(), "close did not return once the database was back" );
		assertNull( closeFailure.get() );
		assertEquals( 50, count( "select count(*) from wb_counter where total = id" ) );
	}
}
