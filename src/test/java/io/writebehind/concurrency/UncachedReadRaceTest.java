package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.hibernate.SessionFactory;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.cache.EntityCache;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.WriteGuard;
import io.writebehind.testing.Await;

/**
 * The lost update behind JtaTest.concurrentIncrementsLoseNothing(UNCACHED) ("id 0 expected 120 but was 112"), not
 * specific to JTA. Without a read cache ({@code cache.maximum_size=0}) nothing newer protects an id once its pending
 * write has left the queue. A reader misses, reads version 0 from the database, and write-behind decides that the
 * row may be cached (no pending write, the id's stamp unchanged); before it stores it, another transaction commits
 * version 1, the flusher writes it and its pending write leaves the queue. The reader then stored version 0: until
 * its re-check of the stamp took it out again, version 0 was the id's latest committed state for every thread. A
 * transaction that read it there passed the commit check (the same cache entry) and was queued based on version 0;
 * the flusher's {@code where version = 0} found version 1, a conflict, and the write was dropped with every commit
 * coalesced into it. The decision and the store must be one step (inside the cache entry's compute).
 * <p>
 * The reader is held at both moments: after the decision by the region's {@link WriteGuard} (asked just before a row
 * read is cached; this test's guard blocks on purpose), and once version 0 is in the cache by a hook of the id's
 * {@code hashCode} (the re-check hashes the id, and so does the cache itself).
 */
class UncachedReadRaceTest extends ConcurrencyTestBase {

	private static final Duration TIMEOUT = Duration.ofSeconds( 60 );

	/** Reads are cached at READ COMMITTED only (MariaDB's default is REPEATABLE READ). */
	@Override
	protected Integer transactionIsolation() {
		return java.sql.Connection.TRANSACTION_READ_COMMITTED;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { HookedIdEntity.class };
	}

	@Test
	void aDatabaseReadRacingAWriteThatLeavesTheQueueIsNotTakenForTheLatestState() throws Exception {
		reopen( Map.of( WriteBehindSettings.CACHE_MAXIMUM_SIZE, "0" ) );
		update( "insert into wb_hooked_id (key_value, version, total) values (1, 0, 0)" );
		HookedIdEntity.Key key = new HookedIdEntity.Key( 1 );
		WriteBehindRuntime runtime = WriteBehindRuntime.of( emf.unwrap( SessionFactory.class ) );
		EntityRegion region = runtime.regionOf( HookedIdEntity.class.getName() );
		EntityCache cache = runtime.cache();

		CountDownLatch decided = new CountDownLatch( 1 );
		CountDownLatch store = new CountDownLatch( 1 );
		CountDownLatch staleInCache = new CountDownLatch( 1 );
		CountDownLatch finish = new CountDownLatch( 1 );
		AtomicBoolean watchCache = new AtomicBoolean();
		AtomicReference<Thread> readerThread = new AtomicReference<>();
		AtomicReference<Throwable> readerFailure = new AtomicReference<>();
		region.guard( new WriteGuard() {
			@Override
			public boolean mayCache(Object id, EntitySnapshot loaded) {
				if ( Thread.currentThread() == readerThread.get() && decided.getCount() > 0 ) {
					decided.countDown();
					await( store );
				}
				return true;
			}

			@Override
			public boolean newerElsewhere(Object id, Object version) {
				return false;
			}
		} );
		Thread reader = new Thread( () -> {
			HookedIdEntity.Key.ON_HASH_CODE.set( () -> {
				if ( !watchCache.get() ) {
					return;
				}
				EntitySnapshot cached = cache.get( region, key );
				if ( cached != null && Integer.valueOf( 0 ).equals( cached.version() ) ) {
					staleInCache.countDown();
					await( finish );
				}
			} );
			try {
				assertEquals( 0, fromTransaction( em -> em.find( HookedIdEntity.class, key ) ).getVersion() );
			}
			catch (Throwable t) {
				readerFailure.set( t );
			}
			finally {
				HookedIdEntity.Key.ON_HASH_CODE.remove();
			}
		}, "reader" );
		readerThread.set( reader );
		reader.start();
		assertTrue( decided.await( TIMEOUT.toSeconds(), TimeUnit.SECONDS ), "the reader did not read the row" );

		// version 1 is committed and written, and its pending write leaves the queue
		transaction( em -> em.find( HookedIdEntity.class, key ).increment() );
		writeBehind().flush();
		assertEquals( 1, count( "select version from wb_hooked_id where key_value = 1" ) );
		assertEquals( 0, writeBehind().stats().pending() );
		Await.until( TIMEOUT, "the written state leaves the cache (maximum_size=0)", () -> cache.size() == 0 );

		// the reader stores what it read; it is held if version 0 ever is in the cache
		watchCache.set( true );
		store.countDown();
		Await.until( TIMEOUT, "the reader holding version 0 in the cache, or done",
				() -> staleInCache.getCount() == 0 || !reader.isAlive() );

		// a read-modify-write transaction meanwhile
		int[] versionRead = new int[1];
		boolean committed = tryTransaction( em -> {
			HookedIdEntity entity = em.find( HookedIdEntity.class, key );
			versionRead[0] = entity.getVersion();
			entity.increment();
		} );
		finish.countDown();
		reader.join( TIMEOUT.toMillis() );
		assertFalse( reader.isAlive(), "the reader did not finish" );
		assertNull( readerFailure.get() );

		writeBehind().flush();
		long increments = 1 + ( committed ? 1 : 0 );
		assertEquals( increments, count( "select total from wb_hooked_id where key_value = 1" ),
				() -> "committed increments in the database (the second read version " + versionRead[0]
						+ "); conflicts " + writeBehind().stats().conflicts() + ", failed writes "
						+ writeBehind().failedWrites() );
		assertEquals( 0, writeBehind().stats().conflicts(), () -> writeBehind().failedWrites().toString() );
		assertEquals( 1, versionRead[0], "a read after version 1 was committed and written returned version "
				+ versionRead[0] );
	}

	private static void await(CountDownLatch latch) {
		try {
			if ( !latch.await( TIMEOUT.toSeconds(), TimeUnit.SECONDS ) ) {
				throw new AssertionError( "not released within " + TIMEOUT );
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AssertionError( e );
		}
	}
}
