package io.writebehind.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import io.writebehind.model.Counter;
import io.writebehind.testing.TestDatabase;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.CacheRetrieveMode;
import jakarta.persistence.CacheStoreMode;
import jakarta.persistence.EntityManager;

/**
 * JPA's cache modes ({@code CacheStoreMode}, {@code CacheRetrieveMode}; Hibernate's {@code CacheMode}) on write-behind
 * entities: a commit whose session does not store into the cache leaves no clean entry once its writes are written
 * (while they are pending, reads find them all the same); a read that bypasses the cache reads the database unless a
 * write of the id is pending; a refreshing read replaces the clean entry.
 */
class CacheModeTest extends WriteBehindTestBase {

	private static final Consumer<EntityManager> BYPASS_STORE = em -> em.setCacheStoreMode( CacheStoreMode.BYPASS );

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	/** At REPEATABLE READ (MariaDB's default) no row read by a transaction is cached, whatever the mode. */
	private boolean readsCached() {
		return database != TestDatabase.MARIADB;
	}

	private void inTransaction(Consumer<EntityManager> mode, Consumer<EntityManager> work) {
		inTransaction( em -> {
			mode.accept( em );
			work.accept( em );
		} );
	}

	private long selects() {
		return connections.sql().executions( "select", "wb_counter" );
	}

	@Test
	void insertsCommittedWithStoreModeBypassArePendingForReadsAndNotCachedOnceWritten() {
		inTransaction( BYPASS_STORE, em -> {
			for ( long id = 1; id <= 20; id++ ) {
				em.persist( new Counter( id, "c" + id, id ) );
			}
		} );
		// pending: read from the write, with no SQL, whatever the reader's mode
		assertEquals( 3, fromTransaction( em -> em.find( Counter.class, 3L ) ).getTotal() );
		assertEquals( 4, fromTransaction( em -> em.find( Counter.class, 4L, CacheRetrieveMode.BYPASS ) ).getTotal() );
		assertEquals( 0, selects(), connections.sql().toString() );
		writeBehind().flush();
		assertEquals( 20, count( "select count(*) from wb_counter" ) );
		assertEquals( 0, writeBehind().stats().cacheSize() );
		// written: the database is read
		assertEquals( 5, fromTransaction( em -> em.find( Counter.class, 5L ) ).getTotal() );
		assertEquals( 1, selects(), connections.sql().toString() );
	}

	@Test
	void anUpdateCommittedWithStoreModeBypassDropsTheCleanEntryWhenWritten() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 1 ) ) );
		writeBehind().flush();
		assertEquals( 1, writeBehind().stats().cacheSize() );
		inTransaction( BYPASS_STORE, em -> em.find( Counter.class, 1L ).setTotal( 2 ) );
		assertEquals( 2, fromTransaction( em -> em.find( Counter.class, 1L ) ).getTotal() );
		assertEquals( 0, selects(), connections.sql().toString() );
		writeBehind().flush();
		assertEquals( 2, count( "select total from wb_counter where id = 1 and version = 1" ) );
		assertEquals( 0, writeBehind().stats().cacheSize() );
		// the next read goes to the database, and (default mode) caches the row again
		assertEquals( 2, fromTransaction( em -> em.find( Counter.class, 1L ) ).getTotal() );
		assertEquals( 2, fromTransaction( em -> em.find( Counter.class, 1L ) ).getTotal() );
		assertEquals( readsCached() ? 1 : 2, selects(), connections.sql().toString() );
		// and the update after it is versioned from what was read
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		writeBehind().flush();
		assertEquals( 3, count( "select total from wb_counter where id = 1 and version = 2" ) );
		assertEquals( 0, writeBehind().stats().conflicts() );
	}

	@Test
	void theEntityManagersStoreModePropertyActsAsItsSetter() {
		inTransaction( em -> {
			em.setProperty( "jakarta.persistence.cache.storeMode", CacheStoreMode.BYPASS );
			em.persist( new Counter( 1L, "a", 1 ) );
		} );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
		assertEquals( 0, writeBehind().stats().cacheSize() );
	}

	@Test
	void theLatestCommitOfAnIdDecides() {
		inTransaction( BYPASS_STORE, em -> em.persist( new Counter( 1L, "a", 1 ) ) );
		inTransaction( em -> em.find( Counter.class, 1L ).setTotal( 2 ) );
		inTransaction( em -> em.persist( new Counter( 2L, "b", 1 ) ) );
		inTransaction( BYPASS_STORE, em -> em.find( Counter.class, 2L ).setTotal( 2 ) );
		writeBehind().flush();
		assertEquals( 2, count( "select count(*) from wb_counter where total = 2" ) );
		assertEquals( 1, writeBehind().stats().cacheSize() );
		assertEquals( 2, fromTransaction( em -> em.find( Counter.class, 1L ) ).getTotal() );
		assertEquals( 0, selects(), connections.sql().toString() );
		assertEquals( 2, fromTransaction( em -> em.find( Counter.class, 2L ) ).getTotal() );
		assertEquals( 1, selects(), connections.sql().toString() );
	}

	@Test
	void aRemoveCommittedWithStoreModeBypassStillLeavesItsMarker() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 1 ) ) );
		writeBehind().flush();
		inTransaction( BYPASS_STORE, em -> em.remove( em.find( Counter.class, 1L ) ) );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		// the marker answers "not found" with no SQL, and keeps a reader's older row out of the cache
		assertNull( fromTransaction( em -> em.find( Counter.class, 1L ) ) );
		assertEquals( 0, selects(), connections.sql().toString() );
	}

	@Test
	void aMissReadWithStoreModeBypassIsNotCached() {
		update( "insert into wb_counter (id, name, total, version) values (7, 'db', 70, 3)" );
		assertEquals( 70, fromTransaction( em -> em.find( Counter.class, 7L, CacheStoreMode.BYPASS ) ).getTotal() );
		assertEquals( 0, writeBehind().stats().cacheSize() );
		// the session's mode (Hibernate's find takes the persistence context's properties, as for its own cache)
		inTransaction( em -> {
			em.setProperty( "jakarta.persistence.cache.storeMode", CacheStoreMode.BYPASS );
			assertEquals( 70, em.find( Counter.class, 7L ).getTotal() );
		} );
		assertEquals( 0, writeBehind().stats().cacheSize() );
		assertEquals( 2, selects(), connections.sql().toString() );
		// a default read caches it
		assertEquals( 70, fromTransaction( em -> em.find( Counter.class, 7L ) ).getTotal() );
		assertEquals( readsCached() ? 1 : 0, writeBehind().stats().cacheSize() );
	}

	@Test
	void aReadWithRetrieveModeBypassReadsTheDatabaseAndStoreModeRefreshReplacesTheCleanEntry() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 1 ) ) );
		writeBehind().flush();
		// changed behind write-behind's back, same version: only a read of the database sees it
		update( "update wb_counter set name = 'outside' where id = 1" );
		assertEquals( "a", fromTransaction( em -> em.find( Counter.class, 1L ) ).getName() );
		assertEquals( 0, selects() );
		// store mode USE (Hibernate's CacheMode.PUT): the database is read, the entry of the same version is kept
		assertEquals( "outside", fromTransaction( em -> em.find( Counter.class, 1L, CacheRetrieveMode.BYPASS ) ).getName() );
		assertEquals( 1, selects(), connections.sql().toString() );
		assertEquals( "a", fromTransaction( em -> em.find( Counter.class, 1L ) ).getName() );
		assertEquals( 1, selects(), connections.sql().toString() );
		// store mode REFRESH (CacheMode.REFRESH): the row read replaces the entry, and answers the next default read
		assertEquals( "outside", fromTransaction( em -> em.find( Counter.class, 1L, CacheRetrieveMode.BYPASS,
				CacheStoreMode.REFRESH ) ).getName() );
		assertEquals( 2, selects(), connections.sql().toString() );
		assertEquals( readsCached() ? "outside" : "a", fromTransaction( em -> em.find( Counter.class, 1L ) ).getName() );
		assertEquals( 2, selects(), connections.sql().toString() );
	}

	@Test
	void aReadWithBothModesBypassedReadsThePendingWriteNotTheDatabase() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 1 ) ) );
		writeBehind().flush();
		inTransaction( em -> em.find( Counter.class, 1L ).setTotal( 5 ) );
		// Hibernate's CacheMode.IGNORE
		Counter read = fromTransaction( em -> em.find( Counter.class, 1L, CacheRetrieveMode.BYPASS, CacheStoreMode.BYPASS ) );
		assertEquals( 5, read.getTotal() );
		assertEquals( 0, selects(), connections.sql().toString() );
		writeBehind().flush();
		assertEquals( 1, writeBehind().stats().cacheSize() );
		assertEquals( 5, fromTransaction( em -> em.find( Counter.class, 1L, CacheRetrieveMode.BYPASS,
				CacheStoreMode.BYPASS ) ).getTotal() );
		assertEquals( 1, selects(), connections.sql().toString() );
		assertEquals( 5, fromTransaction( em -> em.find( Counter.class, 1L ) ).getTotal() );
		assertEquals( 1, selects(), connections.sql().toString() );
	}
}
