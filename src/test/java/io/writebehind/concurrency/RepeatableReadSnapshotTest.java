package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import jakarta.persistence.EntityManager;

/**
 * Ids evicted from the cache, read and checked through the database by a transaction whose database reads come from a
 * snapshot taken at its first read (MariaDB/MySQL: REPEATABLE READ is the default; H2 and PostgreSQL read committed
 * data by default, so these pass there). Write-behind no longer knows the latest committed version of such an id and
 * must ask the database, which has to answer with the latest COMMITTED version, not the transaction's old snapshot; and
 * a row read from an old snapshot must not be cached for everybody. Found by {@link RandomizedModelSmallCacheTest} on
 * MariaDB.
 */
class RepeatableReadSnapshotTest extends ConcurrencyTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	/**
	 * R reads version 0; T updates to version 1, which is written and leaves the cache (here maximum_size=0). R's
	 * update, based on version 0, must fail at commit as with plain Hibernate; accepting it loses it at flush.
	 */
	@Test
	void aStaleUpdateFailsAtCommitAlsoWhenTheCleanEntryWasEvicted() {
		reopen( Map.of( WriteBehindSettings.CACHE_MAXIMUM_SIZE, "0" ) );
		update( "insert into wb_counter (id, name, total, version) values (1, 'db', 0, 0)" );
		EntityManager r = emf.createEntityManager();
		r.getTransaction().begin();
		Counter stale = r.find( Counter.class, 1L );
		assertEquals( 0, stale.getVersion() );
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		writeBehind().flush();
		assertEquals( 1, count( "select version from wb_counter where id = 1" ) );
		stale.setName( "stale" );
		boolean committed;
		try {
			r.getTransaction().commit();
			committed = true;
		}
		catch (RuntimeException e) {
			assertTrue( isOptimisticFailure( e ), e.toString() );
			committed = false;
		}
		finally {
			r.close();
		}
		writeBehind().flush();
		assertFalse( committed, "a stale update was accepted at commit; the flusher then found: " + writeBehind().stats()
				+ " " + writeBehind().failedWrites() );
	}

	/**
	 * The other side of the commit check on an evicted id: T reads the latest committed state (a pending insert of U),
	 * which is then written and evicted before T commits. Nobody changed the row since T read it: T's update must be
	 * accepted. On a database whose transactions read from a snapshot taken at their first read (MariaDB/MySQL,
	 * REPEATABLE READ), a check that asks the database inside T's own transaction sees T's old snapshot, without U's
	 * row.
	 */
	@Test
	void anUpToDateUpdateIsAcceptedAlsoWhenTheCleanEntryWasEvictedSinceTheRead() {
		reopen( Map.of( WriteBehindSettings.CACHE_MAXIMUM_SIZE, "0" ) );
		EntityManager t = emf.createEntityManager();
		t.getTransaction().begin();
		assertNull( t.find( Counter.class, 99L ) ); // T's first database read
		inTransaction( em -> em.persist( new Counter( 1L, "u", 0 ) ) );
		Counter read = t.find( Counter.class, 1L ); // the pending insert: the latest committed state
		assertNotNull( read );
		read.increment();
		writeBehind().flush(); // U's INSERT is written; the clean entry is evicted at once (maximum_size=0)
		assertEquals( 1, count( "select count(*) from wb_counter where id = 1" ) );
		try {
			t.getTransaction().commit();
		}
		catch (RuntimeException e) {
			fail( "an update based on the latest committed state was refused: " + e, e );
		}
		finally {
			t.close();
		}
		writeBehind().flush();
		assertEquals( 1, count( "select total from wb_counter where id = 1 and version = 1" ) );
		assertNoConflictsOrFailures( "up-to-date update of an evicted id" );
	}

	/**
	 * T's first database read fixes its snapshot; then U's update of id 1 (version 1) is written and evicted; then T
	 * misses the cache for id 1 and the database answers from T's snapshot: version 0. That row may be T's own view (as
	 * with plain Hibernate), but it must not be cached: every other reader would go back to version 0, and an update
	 * based on it would pass the commit check (the cache "knows" version 0) and be lost as a conflict at flush.
	 */
	@Test
	void aRowReadFromAnOlderSnapshotIsNotCachedForEverybody() {
		reopen( Map.of( WriteBehindSettings.CACHE_MAXIMUM_SIZE, "1" ) );
		update( "insert into wb_counter (id, name, total, version) values (1, 'db', 0, 0)" );
		EntityManager t = emf.createEntityManager();
		t.getTransaction().begin();
		assertNull( t.find( Counter.class, 99L ) ); // T's first database read
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		writeBehind().flush();
		assertEquals( 1, count( "select version from wb_counter where id = 1" ) );
		for ( long id = 2; id <= 50; id++ ) {
			long key = id;
			inTransaction( em -> em.persist( new Counter( key, "other", 0 ) ) );
		}
		writeBehind().flush(); // id 1 leaves the cache (maximum_size=1)
		Counter seenByT = t.find( Counter.class, 1L );
		assertNotNull( seenByT );
		t.getTransaction().rollback();
		t.close();
		Counter found = fromTransaction( em -> em.find( Counter.class, 1L ) );
		assertEquals( 1, found.getVersion(), "a reader got version 0 after version 1 was committed and written: the "
				+ "cache took a row T read from its older snapshot" );
	}
}
