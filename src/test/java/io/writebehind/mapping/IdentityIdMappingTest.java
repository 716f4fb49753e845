package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import org.hibernate.annotations.ColumnDefault;
import org.hibernate.annotations.Generated;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import io.writebehind.WriteBehindSettings;
import io.writebehind.testing.LogCapture;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Issue 18: an opted-in entity whose id the database generates (IDENTITY; AUTO_INCREMENT on MariaDB, an identity
 * column on H2 and PostgreSQL) is inserted by Hibernate in the application's transaction, then cached, and its updates
 * and deletes are written behind (coalesced, version-checked). Foreign keys hold in both directions with write-behind
 * entities, queries see pending updates, a remove right after the persist works in the same and the next transaction,
 * and a value the database generates on INSERT ({@code @Generated}) is read back with the id.
 */
class IdentityIdMappingTest extends MappingTestBase {

	@Entity(name = "WbiCounter")
	@Table(name = "wbi_counter")
	@WriteBehindEntity
	public static class IdCounter {
		@Id
		@GeneratedValue(strategy = GenerationType.IDENTITY)
		Long id;
		@Version
		long version;
		String name;
		long total;
	}

	/** A write-behind entity with an assigned id, referenced by an IDENTITY entity. */
	@Entity(name = "WbiParent")
	@Table(name = "wbi_parent")
	@WriteBehindEntity
	public static class Parent {
		@Id
		Long id;
		@Version
		int version;
		String name;
	}

	/** An IDENTITY entity that references a write-behind entity. */
	@Entity(name = "WbiChild")
	@Table(name = "wbi_child")
	@WriteBehindEntity
	public static class IdChild {
		@Id
		@GeneratedValue(strategy = GenerationType.IDENTITY)
		Long id;
		@Version
		int version;
		@ManyToOne(fetch = FetchType.LAZY, optional = false)
		Parent parent;
	}

	/** A write-behind entity (assigned id) that references an IDENTITY entity. */
	@Entity(name = "WbiItem")
	@Table(name = "wbi_item")
	@WriteBehindEntity
	public static class Item {
		@Id
		Long id;
		@Version
		int version;
		@ManyToOne(fetch = FetchType.LAZY, optional = false)
		IdCounter owner;
	}

	/** An IDENTITY entity with a column the database fills on INSERT. */
	@Entity(name = "WbiStamped")
	@Table(name = "wbi_stamped")
	@WriteBehindEntity
	public static class Stamped {
		@Id
		@GeneratedValue(strategy = GenerationType.IDENTITY)
		Long id;
		@Version
		int version;
		@Generated
		@ColumnDefault("42")
		Integer code;
		String name;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { IdChild.class, Item.class, IdCounter.class, Parent.class, Stamped.class };
	}

	private long persistCounter(String name, long total) {
		return fromTransaction( em -> {
			IdCounter counter = new IdCounter();
			counter.name = name;
			counter.total = total;
			em.persist( counter );
			assertNotNull( counter.id, "the id is known at persist" );
			return counter.id;
		} );
	}

	private Map<String, Object> counterRow(long id) {
		return row( "select id, version, name, total from wbi_counter where id = ?", id );
	}

	@Test
	void persistInsertsAtCommitAndCaches() {
		sql().clear();
		long id = persistCounter( "a", 5 );
		assertEquals( 1, sql().executions( "insert", "wbi_counter" ), sql()::toString );
		Map<String, Object> row = counterRow( id );
		assertNotNull( row, "the row is in the database as soon as the transaction committed" );
		assertEquals( 5L, longValue( row, "total" ) );
		assertEquals( 0L, longValue( row, "version" ) );
		assertEquals( 0, writeBehind().stats().pending(), "nothing is pending for the insert" );

		sql().clear();
		IdCounter found = fromTransaction( em -> em.find( IdCounter.class, id ) );
		assertEquals( "a", found.name );
		assertEquals( 5, found.total );
		assertEquals( 0, found.version );
		assertNoSqlOn( "wbi_counter" );
	}

	@Test
	void rollbackLeavesNoRowAndNothingCached() {
		EntityManager em = emf.createEntityManager();
		EntityTransaction tx = em.getTransaction();
		long id;
		try {
			tx.begin();
			IdCounter counter = new IdCounter();
			counter.name = "rolled back";
			em.persist( counter );
			id = counter.id;
			counter.total = 3; // captured on top of the insert, then rolled back too
			em.flush();
			tx.rollback();
		}
		finally {
			em.close();
		}
		assertNull( counterRow( id ) );
		assertEquals( 0, writeBehind().stats().pending() );
		sql().clear();
		assertNull( fromTransaction( e -> e.find( IdCounter.class, id ) ) );
		assertTrue( sql().executions( "select", "wbi_counter" ) > 0, () -> "a miss reads the database: nothing cached\n" + sql() );
		// the id stays free for write-behind: a later commit caches its own rows only
		long next = persistCounter( "next", 1 );
		assertNotEquals( id, next );
		assertEquals( 1L, longValue( counterRow( next ), "total" ) );
	}

	@Test
	void updatesAreCoalescedAndWrittenBehindVersionChecked() {
		long id = persistCounter( "c", 0 );
		for ( int i = 0; i < 5; i++ ) {
			inTransaction( em -> em.find( IdCounter.class, id ).total++ );
		}
		assertEquals( 0L, longValue( counterRow( id ), "total" ), "the updates are behind" );
		sql().clear();
		writeBehind().flush();
		assertEquals( 1, sql().rows( "update", "wbi_counter" ), () -> "five commits, one UPDATE\n" + sql() );
		assertTrue( sql().all().stream().anyMatch( e -> e.is( "update" ) && e.touches( "wbi_counter" )
				&& e.sql().toLowerCase( java.util.Locale.ROOT ).replace( " ", "" ).contains( "version=?" ) ),
				() -> "the UPDATE checks the version\n" + sql() );
		Map<String, Object> row = counterRow( id );
		assertEquals( 5L, longValue( row, "total" ) );
		assertEquals( 5L, longValue( row, "version" ) );

		// a change made outside since: the next coalesced write conflicts instead of overwriting it
		update( "update wbi_counter set total = 100, version = 9 where id = ?", id );
		inTransaction( em -> em.find( IdCounter.class, id ).total++ );
		writeBehind().flush();
		assertEquals( 1, writeBehind().stats().conflicts() + writeBehind().stats().failed(), writeBehind().stats()::toString );
		assertEquals( 100L, longValue( counterRow( id ), "total" ) );
	}

	/** Write-behind never INSERTs an IDENTITY entity (the row would get another id): a vanished row is a failed write. */
	@Test
	void aRowDeletedOutsideIsNeverInsertedAgain() {
		emf.close();
		emf = buildFactory( connections, Map.of( WriteBehindSettings.CONFLICT_POLICY, "LAST_WRITE_WINS" ) );
		long id = persistCounter( "gone", 1 );
		inTransaction( em -> em.find( IdCounter.class, id ).total = 2 );
		assertEquals( 1, update( "delete from wbi_counter where id = ?", id ) );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wbi_counter" ), "no row inserted under another id" );
		assertEquals( 1, writeBehind().failedWrites().size(), () -> writeBehind().stats().toString() );
		assertEquals( id, writeBehind().failedWrites().get( 0 ).id() );
	}

	@Test
	void deleteIsWrittenBehind() {
		long id = persistCounter( "d", 1 );
		inTransaction( em -> em.remove( em.find( IdCounter.class, id ) ) );
		assertNotNull( counterRow( id ), "the DELETE is behind" );
		sql().clear();
		assertNull( fromTransaction( em -> em.find( IdCounter.class, id ) ) );
		assertNoSqlOn( "wbi_counter" );
		writeBehind().flush();
		assertNull( counterRow( id ) );
		assertEquals( 1, sql().rows( "delete", "wbi_counter" ), sql()::toString );
	}

	@Test
	void updateAndRemoveRightAfterThePersistInTheSameTransaction() {
		long updated = fromTransaction( em -> {
			IdCounter counter = new IdCounter();
			counter.name = "u";
			em.persist( counter );
			em.flush();
			counter.total = 7;
			return counter.id;
		} );
		long removed = fromTransaction( em -> {
			IdCounter counter = new IdCounter();
			counter.name = "r";
			em.persist( counter );
			counter.total = 3;
			em.flush();
			em.remove( counter );
			return counter.id;
		} );
		// the INSERTs committed with the transactions; what came after them is behind
		assertEquals( 0L, longValue( counterRow( updated ), "total" ) );
		assertNotNull( counterRow( removed ) );
		sql().clear();
		IdCounter found = fromTransaction( em -> em.find( IdCounter.class, updated ) );
		assertEquals( 7, found.total );
		assertEquals( 1, found.version );
		assertNull( fromTransaction( em -> em.find( IdCounter.class, removed ) ) );
		assertNoSqlOn( "wbi_counter" );
		writeBehind().flush();
		assertEquals( 7L, longValue( counterRow( updated ), "total" ) );
		assertEquals( 1L, longValue( counterRow( updated ), "version" ) );
		assertNull( counterRow( removed ) );
		assertTrue( writeBehind().failedWrites().isEmpty(), () -> writeBehind().failedWrites().toString() );
		assertEquals( 0, writeBehind().stats().conflicts() );
	}

	@Test
	void removeInTheNextTransaction() {
		long id = persistCounter( "n", 2 );
		inTransaction( em -> em.remove( em.find( IdCounter.class, id ) ) );
		assertNull( fromTransaction( em -> em.find( IdCounter.class, id ) ) );
		writeBehind().flush();
		assertNull( counterRow( id ) );
		assertEquals( 0, writeBehind().stats().conflicts() + writeBehind().stats().failed() );
	}

	@Test
	void identityChildOfAPendingWriteBehindParent() {
		inTransaction( em -> {
			Parent parent = new Parent();
			parent.id = 1L;
			parent.name = "pending";
			em.persist( parent );
		} );
		assertNull( row( "select id from wbi_parent where id = 1" ), "the parent's INSERT is behind" );
		// committed before: its pending INSERT is flushed before the child's INSERT runs
		long child1 = fromTransaction( em -> {
			IdChild child = new IdChild();
			child.parent = em.find( Parent.class, 1L );
			em.persist( child );
			return child.id;
		} );
		// new in the same transaction: written in that transaction, before the child
		long child2 = fromTransaction( em -> {
			Parent parent = new Parent();
			parent.id = 2L;
			parent.name = "same transaction";
			em.persist( parent );
			IdChild child = new IdChild();
			child.parent = parent;
			em.persist( child );
			return child.id;
		} );
		assertEquals( 1L, longValue( row( "select parent_id from wbi_child where id = ?", child1 ), "parent_id" ) );
		assertEquals( 2L, longValue( row( "select parent_id from wbi_child where id = ?", child2 ), "parent_id" ) );
		assertEquals( "same transaction", string( row( "select name from wbi_parent where id = 2" ), "name" ) );
		// the parent written by the child's transaction is cached as written: later changes are behind, and checked
		inTransaction( em -> em.find( Parent.class, 2L ).name = "renamed" );
		writeBehind().flush();
		assertEquals( "renamed", string( row( "select name from wbi_parent where id = 2" ), "name" ) );
		assertTrue( writeBehind().failedWrites().isEmpty(), () -> writeBehind().failedWrites().toString() );
		// deleting both: the child's DELETE (behind) before the parent's
		inTransaction( em -> {
			em.remove( em.find( IdChild.class, child2 ) );
			em.remove( em.find( Parent.class, 2L ) );
		} );
		writeBehind().flush();
		assertNull( row( "select id from wbi_parent where id = 2" ) );
		assertNull( row( "select id from wbi_child where id = ?", child2 ) );
		assertTrue( writeBehind().failedWrites().isEmpty(), () -> writeBehind().failedWrites().toString() );
	}

	@Test
	void writeBehindChildOfAnIdentityParent() {
		long owner = fromTransaction( em -> {
			IdCounter counter = new IdCounter();
			counter.name = "owner";
			em.persist( counter );
			Item item = new Item();
			item.id = 1L;
			item.owner = counter;
			em.persist( item );
			return counter.id;
		} );
		inTransaction( em -> {
			Item item = new Item();
			item.id = 2L;
			item.owner = em.find( IdCounter.class, owner );
			em.persist( item );
		} );
		assertEquals( 0, count( "select count(*) from wbi_item" ) );
		flushWithoutSelect();
		assertEquals( 2, count( "select count(*) from wbi_item where owner_id = ?", owner ) );
		// deletes in one transaction: the item's before the owner's
		inTransaction( em -> {
			em.remove( em.find( Item.class, 1L ) );
			em.remove( em.find( Item.class, 2L ) );
			em.remove( em.find( IdCounter.class, owner ) );
		} );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wbi_item" ) );
		assertNull( counterRow( owner ) );
		assertTrue( writeBehind().failedWrites().isEmpty(), () -> writeBehind().failedWrites().toString() );
	}

	@Test
	void queriesSeePendingUpdates() {
		long id = persistCounter( "q", 1 );
		inTransaction( em -> em.find( IdCounter.class, id ).total = 10 );
		assertEquals( 1L, longValue( counterRow( id ), "total" ) );
		long total = fromTransaction( em -> em.createQuery( "select c.total from WbiCounter c where c.id = :id", Long.class )
				.setParameter( "id", id ).getSingleResult() );
		assertEquals( 10, total, "the pending update is flushed before the query" );
		// in the transaction that persists and changes it
		long seen = fromTransaction( em -> {
			IdCounter counter = new IdCounter();
			counter.name = "own";
			em.persist( counter );
			em.flush();
			counter.total = 4;
			return em.createQuery( "select c.total from WbiCounter c where c.id = :id", Long.class )
					.setParameter( "id", counter.id ).getSingleResult();
		} );
		assertEquals( 4, seen );
		writeBehind().flush();
		assertTrue( writeBehind().failedWrites().isEmpty(), () -> writeBehind().failedWrites().toString() );
		assertEquals( 0, writeBehind().stats().conflicts() );
		assertEquals( 4L, count( "select sum(total) from wbi_counter where name = 'own'" ) );
	}

	@Test
	void valueGeneratedOnInsertIsReadBackAndCached() {
		long id = fromTransaction( em -> {
			Stamped stamped = new Stamped();
			stamped.name = "s";
			em.persist( stamped );
			return stamped.id;
		} );
		sql().clear();
		Stamped found = fromTransaction( em -> em.find( Stamped.class, id ) );
		assertEquals( 42, found.code, "the cache holds the value the database generated" );
		assertNoSqlOn( "wbi_stamped" );
		inTransaction( em -> em.find( Stamped.class, id ).name = "t" );
		writeBehind().flush();
		Map<String, Object> row = row( "select code, name from wbi_stamped where id = ?", id );
		assertEquals( 42L, longValue( row, "code" ) );
		assertEquals( "t", string( row, "name" ) );
	}

	@Test
	void bootLineNamesTheEntitiesInsertedAtCommit() {
		emf.close();
		try ( LogCapture logs = LogCapture.start( Level.INFO, "io.writebehind" ) ) {
			emf = buildFactory( connections, Map.of() );
			List<String> lines = logs.lines();
			String boot = lines.stream().filter( l -> l.startsWith( "WB000001: " ) ).findFirst()
					.orElseThrow( () -> new AssertionError( lines.toString() ) );
			String part = boot.substring( boot.indexOf( "inserted at commit" ), boot.indexOf( "); " ) );
			assertTrue( part.contains( IdCounter.class.getName() ) && part.contains( IdChild.class.getName() )
					&& part.contains( Stamped.class.getName() ), boot );
			assertFalse( part.contains( Parent.class.getName() ) || part.contains( Item.class.getName() ), boot );
		}
	}
}
