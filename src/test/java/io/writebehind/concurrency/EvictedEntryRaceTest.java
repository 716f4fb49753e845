package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;

/**
 * A database read that races a write of the same id whose clean entry is then EVICTED: write-behind no longer knows
 * the id, so nothing newer in the cache protects it from the reader's older row. Found by
 * {@link RandomizedModelSmallCacheTest}.
 */
class EvictedEntryRaceTest extends ConcurrencyTestBase {

	/** The test fills the cache with database reads to evict an entry: reads are cached at READ COMMITTED only. */
	@Override
	protected Integer transactionIsolation() {
		return java.sql.Connection.TRANSACTION_READ_COMMITTED;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { SlowLoadEntity.class };
	}

	/**
	 * The same race with an update instead of a remove, and a small cache: a reader misses the cache and reads version
	 * 0 from the database; before write-behind caches what it read, another transaction commits version 1, which is
	 * written, and its clean entry is evicted. The reader's version 0 must not be cached then: reads would go back to
	 * an older state than the latest commit, and an update based on it would pass the commit check and be lost as a
	 * conflict at flush.
	 */
	@Test
	void aDatabaseReadRacingACommittedUpdateDoesNotCacheAnOlderVersionAfterEviction() throws Exception {
		reopen( Map.of( WriteBehindSettings.CACHE_MAXIMUM_SIZE, "1" ) );
		update( "insert into wb_slow_load (id, version, name) values (1, 0, 'db')" );
		for ( long id = 2; id <= 200; id++ ) {
			update( "insert into wb_slow_load (id, version, name) values (?, 0, 'other')", id );
		}
		CountDownLatch inPostLoad = new CountDownLatch( 1 );
		CountDownLatch release = new CountDownLatch( 1 );
		AtomicReference<Throwable> readerFailure = new AtomicReference<>();
		Thread reader = new Thread( () -> {
			SlowLoadEntity.ON_POST_LOAD.set( () -> {
				inPostLoad.countDown();
				try {
					release.await( 30, TimeUnit.SECONDS );
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			} );
			try {
				assertEquals( 0, fromTransaction( em -> em.find( SlowLoadEntity.class, 1L ) ).getVersion() );
			}
			catch (Throwable t) {
				readerFailure.set( t );
			}
		}, "reader" );
		reader.start();
		assertTrue( inPostLoad.await( 30, TimeUnit.SECONDS ), "the reader did not load the row" );

		inTransaction( em -> em.find( SlowLoadEntity.class, 1L ).setName( "v1" ) );
		writeBehind().flush();
		assertEquals( 1, count( "select version from wb_slow_load where id = 1" ) );
		// read other rows until the clean entry of id 1 has been evicted
		var region = io.writebehind.internal.WriteBehindRuntime.of( emf.unwrap( org.hibernate.SessionFactory.class ) )
				.regionOf( SlowLoadEntity.class.getName() );
		for ( long id = 2; id <= 200 && region.lookup( 1L ) != null; id++ ) {
			long key = id;
			fromTransaction( em -> em.find( SlowLoadEntity.class, key ) );
		}
		assertNull( region.lookup( 1L ), "id 1 was not evicted" );

		release.countDown();
		reader.join( 30_000 );
		assertNull( readerFailure.get() );
		SlowLoadEntity found = fromTransaction( em -> em.find( SlowLoadEntity.class, 1L ) );
		assertEquals( 1, found.getVersion(), "a read returned version 0 after version 1 was committed and written: the "
				+ "cache took the racing reader's older row" );
	}
}
