package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.writebehind.model.Counter;
import jakarta.persistence.EntityManager;

/** Deterministic interleavings of reads, commits and flushes of one id that the randomized model test found. */
class CacheCoherenceRaceTest extends ConcurrencyTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class, SlowLoadEntity.class };
	}

	/**
	 * A reader that missed the cache reads the row from the database; before write-behind caches what it read, another
	 * transaction removes the entity and the delete is written. The row the reader holds is gone: caching it would
	 * bring the removed entity back.
	 */
	@Test
	void aDatabaseReadRacingACommittedRemoveDoesNotBringTheEntityBack() throws Exception {
		readerHeldWhileTheEntityIsRemovedAndWritten();
		SlowLoadEntity found = fromTransaction( em -> em.find( SlowLoadEntity.class, 1L ) );
		assertNull( found, "the removed entity is back: the cache kept the row a racing reader had read before the delete" );
	}

	/** The consequence of the race above, if the entity came back: an update of it commits and is lost at flush. */
	@Test
	void anUpdateAfterARacingReadIsNotLost() throws Exception {
		readerHeldWhileTheEntityIsRemovedAndWritten();
		RuntimeException failure = null;
		try {
			inTransaction( em -> {
				SlowLoadEntity e = em.find( SlowLoadEntity.class, 1L );
				if ( e != null ) {
					e.setName( "updated" );
				}
			} );
		}
		catch (RuntimeException e) {
			failure = e;
		}
		writeBehind().flush();
		assertNull( failure );
		assertNoConflictsOrFailures( "update after the racing read" );
		assertEquals( 0, count( "select count(*) from wb_slow_load" ) );
	}

	/**
	 * Row 1 (inserted with plain JDBC, so not cached) is read by a reader thread, which is held in {@code @PostLoad}
	 * (before write-behind caches the row) while this thread removes the entity and flushes; then the reader goes on.
	 */
	private void readerHeldWhileTheEntityIsRemovedAndWritten() throws Exception {
		update( "insert into wb_slow_load (id, version, name) values (1, 0, 'db')" );
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
				assertNotNull( fromTransaction( em -> em.find( SlowLoadEntity.class, 1L ) ) );
			}
			catch (Throwable t) {
				readerFailure.set( t );
			}
		}, "reader" );
		reader.start();
		assertTrue( inPostLoad.await( 30, TimeUnit.SECONDS ), "the reader did not load the row" );

		inTransaction( em -> em.remove( em.find( SlowLoadEntity.class, 1L ) ) );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wb_slow_load" ) );

		release.countDown();
		reader.join( 30_000 );
		assertNull( readerFailure.get() );
	}

	/**
	 * A transaction that has already read from the database (on MariaDB/MySQL, REPEATABLE READ: its snapshot is fixed
	 * at that first read) misses the cache for an id whose delete has been committed AND written since. The database
	 * answers from the old snapshot with the deleted row. That row must not be cached for everybody (the entity would
	 * be back), and an update of it must not be accepted and then lost as a conflict at flush. On databases that read
	 * committed (H2, PostgreSQL by default) the second read simply finds no row.
	 */
	@Test
	void aCacheMissInAnOlderDatabaseSnapshotDoesNotBringARemovedEntityBack() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 0 ) ) );
		writeBehind().flush();
		EntityManager t = emf.createEntityManager();
		t.getTransaction().begin();
		assertNull( t.find( Counter.class, 99L ) ); // a cache miss: the transaction's first database read
		inTransaction( em -> em.remove( em.find( Counter.class, 1L ) ) );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		Counter seen = t.find( Counter.class, 1L );
		boolean committed;
		try {
			if ( seen != null ) {
				seen.increment();
			}
			t.getTransaction().commit();
			committed = seen != null;
		}
		catch (RuntimeException e) {
			assertTrue( isOptimisticFailure( e ), e.toString() );
			committed = false;
		}
		finally {
			t.close();
		}
		assertNull( fromTransaction( em -> em.find( Counter.class, 1L ) ),
				"the removed entity is back: a read from an older database snapshot was cached" );
		writeBehind().flush();
		assertFalse( committed && writeBehind().stats().conflicts() > 0, "an update of the removed entity was accepted "
				+ "at commit and lost at flush: " + writeBehind().failedWrites() );
		assertNoConflictsOrFailures( "update in an older snapshot" );
	}

	/**
	 * T reads "no such id", persists it and flushes, then U persists the same id and commits, then T removes its
	 * instance and commits. With plain Hibernate T's INSERT conflicts with U's row (T fails); T never saw U's entity,
	 * so T must not delete it.
	 */
	@Test
	void persistThenRemoveInOneTransactionDoesNotRemoveAnotherTransactionsEntity() {
		EntityManager t = emf.createEntityManager();
		t.getTransaction().begin();
		assertNull( t.find( Counter.class, 1L ) );
		Counter mine = new Counter( 1L, "t", 0 );
		t.persist( mine );
		t.flush();
		inTransaction( em -> em.persist( new Counter( 1L, "u", 5 ) ) );
		t.remove( mine );
		try {
			t.getTransaction().commit();
		}
		catch (RuntimeException acceptable) {
			// failing like plain Hibernate is fine
		}
		finally {
			t.close();
		}
		Counter found = fromTransaction( em -> em.find( Counter.class, 1L ) );
		assertNotNull( found, "U's committed entity was removed by a transaction that never saw it" );
		assertEquals( "u", found.getName() );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_counter where id = 1 and name = 'u'" ) );
	}
}
