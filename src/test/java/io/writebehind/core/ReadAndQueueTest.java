package io.writebehind.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.model.Note;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityNotFoundException;

/** Core points 3, 4, 5 and 7: reads from the cache, the per-id queue, batching, flush triggers, eviction. */
class ReadAndQueueTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class, Note.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.CACHE_MAXIMUM_SIZE, "10" );
	}

	@Test
	void findAndGetReferenceServeTheLatestCommittedStateWithNoSelect() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 1 ) ) );
		inTransaction( em -> em.find( Counter.class, 1L ).setTotal( 2 ) );
		assertEquals( 2, fromTransaction( em -> em.find( Counter.class, 1L ) ).getTotal() );
		assertEquals( 2L, (long) fromTransaction( em -> em.getReference( Counter.class, 1L ).getTotal() ) );
		assertEquals( 0, connections.sql().touching( "wb_counter" ), connections.sql().toString() );
	}

	@Test
	void afterACommittedRemoveFindReturnsNullBeforeTheDeleteIsWritten() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 1 ) ) );
		writeBehind().flush();
		inTransaction( em -> em.remove( em.getReference( Counter.class, 1L ) ) );
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
		assertNull( fromTransaction( em -> em.find( Counter.class, 1L ) ) );
		assertThrows( EntityNotFoundException.class,
				() -> inTransaction( em -> em.getReference( Counter.class, 1L ).getTotal() ) );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
	}

	@Test
	void aMissLoadsFromTheDatabaseOnceAndCachesTheRow() {
		update( "insert into wb_counter (id, name, total, version) values (7, 'db', 70, 3)" );
		assertEquals( 70, fromTransaction( em -> em.find( Counter.class, 7L ) ).getTotal() );
		assertEquals( 70, fromTransaction( em -> em.find( Counter.class, 7L ) ).getTotal() );
		// at REPEATABLE READ (MariaDB's default) a row read by a transaction may be from an older snapshot: not cached
		boolean snapshotReads = database == io.writebehind.testing.TestDatabase.MARIADB;
		assertEquals( snapshotReads ? 2 : 1, connections.sql().executions( "select", "wb_counter" ) );
		inTransaction( em -> em.find( Counter.class, 7L ).increment() );
		writeBehind().flush();
		assertEquals( 71, count( "select total from wb_counter where id = 7 and version = 4" ) );
		assertNull( fromTransaction( em -> em.find( Counter.class, 8L ) ) );
	}

	@Test
	void updatesOfOneIdBetweenFlushesBecomeOneWrite() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 0 ) ) );
		writeBehind().flush();
		connections.sql().clear();
		for ( int i = 0; i < 50; i++ ) {
			inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		}
		writeBehind().flush();
		assertEquals( 1, connections.sql().rows( "update", "wb_counter" ), connections.sql().toString() );
		assertEquals( 50, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 50, count( "select version from wb_counter where id = 1" ) );
		assertEquals( 49, writeBehind().stats().coalesced() );
	}

	@Test
	void persistThenRemoveBeforeAFlushWritesNothing() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 0 ) ) );
		inTransaction( em -> em.remove( em.find( Counter.class, 1L ) ) );
		writeBehind().flush();
		assertEquals( 0, connections.sql().touching( "wb_counter" ), connections.sql().toString() );
		assertEquals( 0, writeBehind().stats().pending() );
	}

	@Test
	void removeThenPersistOfTheSameIdEndsWithTheNewRow() {
		inTransaction( em -> em.persist( new Counter( 1L, "old", 1 ) ) );
		writeBehind().flush();
		inTransaction( em -> em.remove( em.find( Counter.class, 1L ) ) );
		inTransaction( em -> em.persist( new Counter( 1L, "new", 2 ) ) );
		assertEquals( "new", fromTransaction( em -> em.find( Counter.class, 1L ) ).getName() );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_counter where id = 1 and name = 'new' and total = 2" ) );
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		writeBehind().flush();
		assertEquals( 3, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 0, writeBehind().stats().conflicts() );
	}

	@Test
	void theFlusherSendsJdbcBatches() {
		inTransaction( em -> {
			for ( long id = 1; id <= 1000; id++ ) {
				em.persist( new Counter( id, "c" + id, id ) );
			}
		} );
		writeBehind().flush();
		long executions = connections.sql().executions( "insert", "wb_counter" );
		assertEquals( 1000, connections.sql().rows( "insert", "wb_counter" ) );
		assertTrue( executions >= 10 && executions <= 12, "executions: " + executions );
		assertEquals( 1000, count( "select count(*) from wb_counter" ) );
	}

	@Test
	void pendingWritesAreNeverEvictedAndOnlyCleanEntriesCount() {
		for ( long id = 1; id <= 100; id++ ) {
			long value = id;
			inTransaction( em -> em.persist( new Counter( value, "c", value ) ) );
		}
		for ( long id = 1; id <= 100; id++ ) {
			long value = id;
			assertEquals( value, fromTransaction( em -> em.find( Counter.class, value ) ).getTotal() );
		}
		assertEquals( 0, connections.sql().touching( "wb_counter" ) );
		writeBehind().flush();
		assertEquals( 100, count( "select count(*) from wb_counter" ) );
		assertTrue( writeBehind().stats().cacheSize() <= 10 + 2, "cache size " + writeBehind().stats().cacheSize() );
	}

	@Test
	void aPendingUpdateKeepsTheCleanEntryWhichTheFlushReplaces() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 1 ) ) );
		writeBehind().flush();
		assertEquals( 1, writeBehind().stats().cacheSize() );
		inTransaction( em -> em.find( Counter.class, 1L ).setTotal( 2 ) );
		// the clean entry (the row as the database still holds it) stays while the update is pending; reads see the update
		assertEquals( 1, writeBehind().stats().cacheSize() );
		assertEquals( 2, fromTransaction( em -> em.find( Counter.class, 1L ) ).getTotal() );
		writeBehind().flush();
		assertEquals( 1, writeBehind().stats().cacheSize() );
		assertEquals( 2, count( "select total from wb_counter where id = 1 and version = 1" ) );
		connections.sql().clear();
		Counter read = fromTransaction( em -> em.find( Counter.class, 1L ) );
		assertEquals( 2, read.getTotal() );
		assertEquals( 1L, read.getVersion() );
		inTransaction( em -> em.remove( em.find( Counter.class, 1L ) ) );
		assertNull( fromTransaction( em -> em.find( Counter.class, 1L ) ) );
		writeBehind().flush();
		assertNull( fromTransaction( em -> em.find( Counter.class, 1L ) ) );
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		assertEquals( 1, connections.sql().rows( "delete", "wb_counter" ), connections.sql().toString() );
		assertEquals( 0, connections.sql().executions( "select", "wb_counter" ), connections.sql().toString() );
	}

	@Test
	void pendingUpdatesWhoseCleanEntriesAreEvictedStillAnswerReads() {
		for ( long id = 1; id <= 100; id++ ) {
			long value = id;
			inTransaction( em -> em.persist( new Counter( value, "c", value ) ) );
		}
		writeBehind().flush();
		for ( long id = 1; id <= 100; id++ ) {
			long value = id;
			// ids above the cache's 10 entries are read from the database, then updated
			inTransaction( em -> em.find( Counter.class, value ).setTotal( value * 10 ) );
		}
		assertTrue( writeBehind().stats().cacheSize() <= 10 + 2, "cache size " + writeBehind().stats().cacheSize() );
		connections.sql().clear();
		for ( long id = 1; id <= 100; id++ ) {
			long value = id;
			assertEquals( value * 10, fromTransaction( em -> em.find( Counter.class, value ) ).getTotal() );
		}
		assertEquals( 0, connections.sql().touching( "wb_counter" ), connections.sql().toString() );
		writeBehind().flush();
		assertEquals( 100, count( "select count(*) from wb_counter where total = id * 10 and version = 1" ) );
	}

	@Test
	void aRowChangedBehindOurBackIsAConflictNeverOverwritten() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 1 ) ) );
		writeBehind().flush();
		inTransaction( em -> em.find( Counter.class, 1L ).setTotal( 2 ) );
		assertEquals( 1, update( "update wb_counter set total = 100, version = version + 1 where id = 1" ) );
		writeBehind().flush();
		assertEquals( 100, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 1, writeBehind().stats().conflicts() );
		assertEquals( 1, writeBehind().failedWrites().size() );
		var failed = writeBehind().failedWrites().get( 0 );
		assertEquals( 1L, failed.id() );
		assertEquals( io.writebehind.FailedWrite.Reason.CONFLICT, failed.reason() );
		assertEquals( 2, ( (Counter) failed.entity() ).getTotal() );
		// the cache was invalidated: reads show the database's state
		assertEquals( 100, fromTransaction( em -> em.find( Counter.class, 1L ) ).getTotal() );
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		writeBehind().flush();
		assertEquals( 101, count( "select total from wb_counter where id = 1" ) );
	}

	@Test
	void aDeleteOfARowChangedBehindOurBackIsAConflict() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 1 ) ) );
		writeBehind().flush();
		inTransaction( em -> em.remove( em.find( Counter.class, 1L ) ) );
		update( "update wb_counter set version = version + 1 where id = 1" );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
		assertEquals( 1, writeBehind().stats().conflicts() );
	}

	@Test
	void oneBadWriteDoesNotHoldBackTheOthers() {
		update( "insert into wb_counter (id, name, total, version) values (5, 'exists', 0, 0)" );
		inTransaction( em -> {
			for ( long id = 1; id <= 10; id++ ) {
				em.persist( new Counter( id, "c", id ) );
			}
		} );
		writeBehind().flush();
		assertEquals( 10, count( "select count(*) from wb_counter" ) );
		assertEquals( 0, count( "select total from wb_counter where id = 5" ) );
		assertEquals( 1, writeBehind().stats().failed() );
		assertEquals( 9, writeBehind().stats().flushed() );
		assertEquals( 5L, writeBehind().failedWrites().get( 0 ).id() );
		assertNotNull( writeBehind().failedWrites().get( 0 ).cause() );
	}

	@Test
	void entitiesThatAreNotOptedInAreUntouched() {
		inTransaction( em -> em.persist( new Note( 1L, "n" ) ) );
		assertEquals( 1, count( "select count(*) from wb_note" ) );
		assertEquals( 0, writeBehind().stats().pending() );
	}
}
