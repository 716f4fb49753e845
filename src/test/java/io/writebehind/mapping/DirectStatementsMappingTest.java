package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.writebehind.FailedWrite;
import io.writebehind.WriteBehindEntity;
import io.writebehind.internal.config.InternalSettings;
import io.writebehind.testing.LogCapture;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Converter;
import jakarta.persistence.Embeddable;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * The flusher's direct path (the persister's static SQL, Hibernate's value binders, one statement per run of writes):
 * null values, converters, enums, embeddables (null and not), many-to-one foreign keys, versions; a version conflict
 * in the middle of a batch; a batch with a bad row, bisected; and the same rows as Hibernate's coordinators write.
 */
class DirectStatementsMappingTest extends MappingTestBase {

	enum Size { SMALL, LARGE }

	@Converter
	static class YesNo implements AttributeConverter<Boolean, String> {
		@Override
		public String convertToDatabaseColumn(Boolean value) {
			return value == null ? null : value ? "Y" : "N";
		}

		@Override
		public Boolean convertToEntityAttribute(String column) {
			return column == null ? null : column.equals( "Y" );
		}
	}

	@Embeddable
	static class Address {
		@Column(name = "street")
		String street;
		@Column(name = "city")
		String city;

		Address() {
		}

		Address(String street, String city) {
			this.street = street;
			this.city = city;
		}
	}

	@Entity(name = "WbmDsOwner")
	@Table(name = "wbm_ds_owner")
	@WriteBehindEntity
	static class Owner {
		@Id
		Long id;
		@Version
		int version;
		String label;

		Owner() {
		}

		Owner(Long id, String label) {
			this.id = id;
			this.label = label;
		}
	}

	@Entity(name = "WbmDsItem")
	@Table(name = "wbm_ds_item")
	@WriteBehindEntity
	static class Item {
		@Id
		Long id;
		@Version
		long version;
		@Column(length = 12)
		String name;
		long amount;
		Integer optional;
		@Convert(converter = YesNo.class)
		@Column(name = "active", length = 1)
		Boolean active;
		@Enumerated(EnumType.STRING)
		@Column(name = "item_size", length = 10)
		Size size;
		LocalDate due;
		@Embedded
		Address address;
		@ManyToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "owner_id")
		Owner owner;

		Item() {
		}

		Item(Long id, String name, long amount) {
			this.id = id;
			this.name = name;
			this.amount = amount;
		}
	}

	private LogCapture logs;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Owner.class, Item.class };
	}

	@BeforeEach
	void captureStatements() {
		logs = LogCapture.start( Level.FINE, "io.writebehind" );
	}

	@AfterEach
	void stopCapture() {
		logs.close();
	}

	@Test
	void valuesNullsConvertersEmbeddablesAndForeignKeysReachTheRows() {
		inTransaction( em -> {
			em.persist( new Owner( 1L, "first" ) );
			em.persist( new Owner( 2L, "second" ) );
		} );
		inTransaction( em -> {
			for ( long id = 1; id <= 20; id++ ) {
				em.persist( full( em.getReference( Owner.class, id % 2 + 1 ), id ) );
			}
			em.persist( new Item( 21L, null, 0 ) ); // every nullable column null
		} );
		flushWithoutSelect();
		assertEquals( 21, count( "select count(*) from wbm_ds_item" ) );
		assertFullRow( 7, 0, "item-7", 2L );
		Map<String, Object> empty = row( "select * from wbm_ds_item where id = 21" );
		assertNull( empty.get( "name" ) );
		assertNull( empty.get( "optional" ) );
		assertNull( empty.get( "active" ) );
		assertNull( empty.get( "item_size" ) );
		assertNull( empty.get( "due" ) );
		assertNull( empty.get( "street" ) );
		assertNull( empty.get( "city" ) );
		assertNull( empty.get( "owner_id" ) );
		assertDirect( "INSERT", Item.class );

		// updates: values to null and back, another parent, an embeddable replaced by null
		inTransaction( em -> {
			for ( long id = 1; id <= 20; id++ ) {
				Item item = em.find( Item.class, id );
				item.amount += 100;
				if ( id == 3 ) {
					item.name = null;
					item.active = null;
					item.address = null;
					item.owner = null;
					item.size = null;
				}
				if ( id == 4 ) {
					item.owner = em.getReference( Owner.class, 2L );
				}
			}
			Item empty21 = em.find( Item.class, 21L );
			empty21.name = "filled";
			empty21.active = true;
			empty21.address = new Address( null, "Town" );
			empty21.owner = em.getReference( Owner.class, 1L );
		} );
		// coalesced: a second commit to the same ids before the flush
		inTransaction( em -> em.find( Item.class, 5L ).amount += 1 );
		flushWithoutSelect();
		assertEquals( 105 + 1, longValue( row( "select amount from wbm_ds_item where id = 5" ), "amount" ) );
		assertEquals( 2L, longValue( row( "select version from wbm_ds_item where id = 5" ), "version" ) );
		Map<String, Object> three = row( "select * from wbm_ds_item where id = 3" );
		assertNull( three.get( "name" ) );
		assertNull( three.get( "active" ) );
		assertNull( three.get( "street" ) );
		assertNull( three.get( "owner_id" ) );
		assertNull( three.get( "item_size" ) );
		assertEquals( 103L, longValue( three, "amount" ) );
		assertEquals( 1L, longValue( three, "version" ) );
		assertEquals( 2L, longValue( row( "select owner_id from wbm_ds_item where id = 4" ), "owner_id" ) );
		Map<String, Object> filled = row( "select * from wbm_ds_item where id = 21" );
		assertEquals( "filled", string( filled, "name" ) );
		assertEquals( "Y", string( filled, "active" ) );
		assertNull( filled.get( "street" ) );
		assertEquals( "Town", string( filled, "city" ) );
		assertEquals( 1L, longValue( filled, "owner_id" ) );
		assertDirect( "UPDATE", Item.class );

		// the cache and the database agree: a fresh read after eviction of nothing gives the written state
		Item read = fromTransaction( em -> em.find( Item.class, 7L ) );
		assertEquals( "item-7", read.name );
		assertEquals( Boolean.FALSE, read.active );

		inTransaction( em -> {
			for ( long id = 1; id <= 21; id++ ) {
				em.remove( em.find( Item.class, id ) );
			}
		} );
		flushWithoutSelect();
		assertEquals( 0, count( "select count(*) from wbm_ds_item" ) );
		assertDirect( "DELETE", Item.class );
		assertEquals( 0, writeBehind().stats().conflicts() );
	}

	@Test
	void theSameRowsAsHibernatesCoordinators() {
		inTransaction( em -> em.persist( new Owner( 1L, "first" ) ) );
		inTransaction( em -> em.persist( full( em.getReference( Owner.class, 1L ), 7 ) ) );
		writeBehind().flush();
		Map<String, Object> direct = row( "select * from wbm_ds_item where id = 7" );
		inTransaction( em -> em.find( Item.class, 7L ).amount += 1 );
		writeBehind().flush();
		Map<String, Object> directUpdated = row( "select * from wbm_ds_item where id = 7" );
		emf.close();
		update( "delete from wbm_ds_item" );
		emf = buildFactory( connections, Map.of( InternalSettings.DIRECT_STATEMENTS, "false", "hibernate.hbm2ddl.auto", "none" ) );
		inTransaction( em -> em.persist( full( em.getReference( Owner.class, 1L ), 7 ) ) );
		writeBehind().flush();
		assertEquals( direct, row( "select * from wbm_ds_item where id = 7" ) );
		inTransaction( em -> em.find( Item.class, 7L ).amount += 1 );
		writeBehind().flush();
		assertEquals( directUpdated, row( "select * from wbm_ds_item where id = 7" ) );
	}

	@Test
	void aVersionConflictInTheMiddleOfABatchFailsThatRowOnly() {
		inTransaction( em -> {
			for ( long id = 1; id <= 100; id++ ) {
				em.persist( new Item( id, "item-" + id, id ) );
			}
		} );
		writeBehind().flush();
		// rows changed behind write-behind's back: one to update, one to delete
		update( "update wbm_ds_item set version = version + 1, amount = -1 where id in (50, 80)" );
		inTransaction( em -> {
			for ( long id = 1; id <= 70; id++ ) {
				em.find( Item.class, id ).amount += 1000;
			}
			for ( long id = 71; id <= 100; id++ ) {
				em.remove( em.find( Item.class, id ) );
			}
		} );
		writeBehind().flush();
		assertEquals( 2, writeBehind().stats().conflicts() );
		List<FailedWrite> failed = writeBehind().failedWrites();
		assertEquals( 2, failed.size(), failed::toString );
		assertTrue( failed.stream().allMatch( f -> f.reason() == FailedWrite.Reason.CONFLICT ), failed::toString );
		assertEquals( List.of( 50L, 80L ), failed.stream().map( f -> (Long) f.id() ).sorted().toList() );
		// every other row written exactly once, the changed rows left as they are
		assertEquals( 69, count( "select count(*) from wbm_ds_item where id <= 70 and version = 1 and amount = id + 1000" ) );
		assertEquals( -1, count( "select amount from wbm_ds_item where id = 50" ) );
		assertEquals( 1, count( "select version from wbm_ds_item where id = 50" ) );
		assertEquals( 1, count( "select count(*) from wbm_ds_item where id > 70" ) );
		assertEquals( -1, count( "select amount from wbm_ds_item where id = 80" ) );
	}

	@Test
	void aBatchWithABadRowIsBisectedAndTheGoodRowsLandOnce() {
		inTransaction( em -> {
			for ( long id = 1; id <= 64; id++ ) {
				em.persist( new Item( id, id == 41 ? "far too long a name" : "ok", id ) );
			}
		} );
		writeBehind().flush();
		assertEquals( 63, count( "select count(*) from wbm_ds_item" ) );
		assertEquals( 0, count( "select count(*) from wbm_ds_item where id = 41" ) );
		List<FailedWrite> failed = writeBehind().failedWrites();
		assertEquals( 1, failed.size(), failed::toString );
		assertEquals( 41L, failed.get( 0 ).id() );
		assertEquals( FailedWrite.Reason.FAILED, failed.get( 0 ).reason() );
		assertEquals( "far too long a name", ( (Item) failed.get( 0 ).entity() ).name );
		assertEquals( 63, writeBehind().stats().flushed() );

		// the same for updates: the good ones land, each once, the bad one keeps the row as it was
		inTransaction( em -> {
			for ( long id = 1; id <= 64; id++ ) {
				if ( id != 41 ) {
					Item item = em.find( Item.class, id );
					item.amount += 1;
					if ( id == 9 ) {
						item.name = "also much too long";
					}
				}
			}
		} );
		writeBehind().flush();
		assertEquals( 62, count( "select count(*) from wbm_ds_item where amount = id + 1 and version = 1" ) );
		assertEquals( 1, count( "select count(*) from wbm_ds_item where id = 9 and amount = 9 and version = 0" ) );
		assertEquals( 2, writeBehind().failedWrites().size() );
	}

	@Test
	void multiRowInsertsWriteEveryRowOnceAndABadRowIsBisected() {
		emf.close();
		emf = buildFactory( connections, Map.of( InternalSettings.MULTI_ROW_INSERTS, "true", "hibernate.hbm2ddl.auto", "none" ) );
		inTransaction( em -> em.persist( new Owner( 1L, "first" ) ) );
		inTransaction( em -> {
			for ( long id = 1; id <= 250; id++ ) {
				em.persist( full( em.getReference( Owner.class, 1L ), id ) );
			}
		} );
		connections.sql().clear();
		flushWithoutSelect();
		assertEquals( 250, count( "select count(*) from wbm_ds_item" ) );
		assertFullRow( 149, 0, "item-149", 1L );
		assertFullRow( 250, 0, "item-250", 1L );
		// hibernate.jdbc.batch_size=100: statements of 100, 100 and 50 rows
		assertEquals( 3, connections.sql().executions( "insert", "wbm_ds_item" ), connections.sql()::toString );

		inTransaction( em -> {
			for ( long id = 251; id <= 400; id++ ) {
				em.persist( new Item( id, id == 333 ? "far too long a name" : "ok", id ) );
			}
		} );
		writeBehind().flush();
		assertEquals( 399, count( "select count(*) from wbm_ds_item" ) );
		assertEquals( 0, count( "select count(*) from wbm_ds_item where id = 333" ) );
		List<FailedWrite> failed = writeBehind().failedWrites();
		assertEquals( 1, failed.size(), failed::toString );
		assertEquals( 333L, failed.get( 0 ).id() );
		assertEquals( 1 + 250 + 149, writeBehind().stats().flushed() );
	}

	/** The flusher's updates and deletes joined with a values list (PostgreSQL's form), by table. */
	private long joined(String keyword) {
		return connections.sql().executions( e -> e.is( keyword ) && e.touches( "wbm_ds_item" ) && e.sql().contains( " (values (" ) );
	}

	@Test
	void updatesAndDeletesInOneStatementPerChunkOnPostgresqlAStaleRowBisected() {
		inTransaction( em -> em.persist( new Owner( 1L, "first" ) ) );
		inTransaction( em -> {
			for ( long id = 1; id <= 250; id++ ) {
				em.persist( full( em.getReference( Owner.class, 1L ), id ) );
			}
		} );
		writeBehind().flush();
		inTransaction( em -> {
			for ( long id = 1; id <= 200; id++ ) {
				Item item = em.find( Item.class, id );
				item.amount += 1000;
				if ( id == 7 ) {
					item.name = null;
					item.due = null;
					item.address = null;
					item.owner = null;
					item.size = null;
				}
			}
			for ( long id = 201; id <= 250; id++ ) {
				em.remove( em.find( Item.class, id ) );
			}
		} );
		connections.sql().clear();
		flushWithoutSelect();
		boolean postgres = database == io.writebehind.testing.TestDatabase.POSTGRESQL;
		// hibernate.jdbc.batch_size=100: on PostgreSQL updates of 100 and 100 rows, a delete of 50
		assertEquals( postgres ? 2 : 0, joined( "update" ), connections.sql()::toString );
		assertEquals( postgres ? 1 : 0, joined( "delete" ), connections.sql()::toString );
		// the planner told to join by the primary key once in the flush transaction, for its updates and its deletes
		assertEquals( postgres ? 1 : 0, connections.sql().executions( e -> e.sql() != null
				&& e.sql().startsWith( "set local enable_hashjoin = off" ) ), connections.sql()::toString );
		assertEquals( 199, count( "select count(*) from wbm_ds_item where version = 1 and amount = id + 1000 and name = concat( 'item-', id )" ) );
		Map<String, Object> seven = row( "select * from wbm_ds_item where id = 7" );
		assertNull( seven.get( "name" ) );
		assertNull( seven.get( "due" ) );
		assertNull( seven.get( "street" ) );
		assertNull( seven.get( "owner_id" ) );
		assertNull( seven.get( "item_size" ) );
		assertEquals( 1007L, longValue( seven, "amount" ) );
		Map<String, Object> eight = row( "select * from wbm_ds_item where id = 8" );
		assertEquals( "street 8", string( eight, "street" ) );
		assertEquals( LocalDate.of( 2026, 1, 1 ).plusDays( 8 ).toString(), string( eight, "due" ) );
		assertEquals( 1L, longValue( eight, "owner_id" ) );
		assertEquals( 0, count( "select count(*) from wbm_ds_item where id > 200" ) );

		// rows changed behind write-behind's back in the middle of a chunk: those fail alone, each other row once
		update( "update wbm_ds_item set version = version + 1, amount = -1 where id in (50, 180)" );
		inTransaction( em -> {
			for ( long id = 1; id <= 200; id++ ) {
				em.find( Item.class, id ).amount += 1;
			}
			em.persist( full( em.getReference( Owner.class, 1L ), 300 ) );
		} );
		writeBehind().flush();
		inTransaction( em -> {
			for ( long id = 101; id <= 200; id++ ) {
				if ( id != 180 ) {
					em.remove( em.find( Item.class, id ) );
				}
			}
		} );
		update( "update wbm_ds_item set version = version + 1 where id = 150" );
		writeBehind().flush();
		List<FailedWrite> failed = writeBehind().failedWrites();
		assertEquals( List.of( 50L, 150L, 180L ), failed.stream().map( f -> (Long) f.id() ).sorted().toList(), failed::toString );
		assertTrue( failed.stream().allMatch( f -> f.reason() == FailedWrite.Reason.CONFLICT ), failed::toString );
		assertEquals( 3, writeBehind().stats().conflicts() );
		assertEquals( 99, count( "select count(*) from wbm_ds_item where id <= 100 and version = 2 and amount = id + 1001" ) );
		assertEquals( -1, count( "select amount from wbm_ds_item where id = 50" ) );
		// of 101..200 only 150 (changed before its delete reached the database: the delete conflicted) and 180 are left
		assertEquals( 2, count( "select count(*) from wbm_ds_item where id between 101 and 200" ) );
		assertEquals( 1, count( "select count(*) from wbm_ds_item where id = 150" ) );
		assertEquals( 1, count( "select count(*) from wbm_ds_item where id = 300" ) );
	}

	@Test
	void aMultiRowFormTheDatabaseRefusesIsNotUsedAgainAndNoRowIsLost() {
		inTransaction( em -> {
			for ( long id = 1; id <= 150; id++ ) {
				em.persist( new Item( id, "item-" + id, id ) );
			}
		} );
		writeBehind().flush();
		// as a database would refuse a statement it cannot type (SQL state class 42)
		connections.refuse( " (values (", "42804" );
		for ( int round = 1; round <= 2; round++ ) {
			inTransaction( em -> {
				for ( long id = 1; id <= 150; id++ ) {
					em.find( Item.class, id ).amount += 1;
				}
			} );
			connections.sql().clear();
			writeBehind().flush();
			assertEquals( 150, count( "select count(*) from wbm_ds_item where version = " + round + " and amount = id + " + round ) );
			assertTrue( writeBehind().failedWrites().isEmpty(), () -> writeBehind().failedWrites().toString() );
			if ( round == 2 ) {
				assertEquals( 0, joined( "update" ), connections.sql()::toString );
			}
		}
		boolean postgres = database == io.writebehind.testing.TestDatabase.POSTGRESQL;
		assertEquals( postgres ? 1 : 0, logs.lines().stream().filter( l -> l.startsWith( "WB000473" ) ).count(), logs.lines()::toString );
		connections.refuse( null, null );
	}

	private static Item full(Owner owner, long id) {
		Item item = new Item( id, "item-" + id, id );
		item.optional = (int) id * 2;
		item.active = id % 2 == 0;
		item.size = id % 3 == 0 ? Size.LARGE : Size.SMALL;
		item.due = LocalDate.of( 2026, 1, 1 ).plusDays( id );
		item.address = new Address( "street " + id, "city " + id );
		item.owner = owner;
		return item;
	}

	private void assertFullRow(long id, long version, String name, Long owner) {
		Map<String, Object> row = row( "select * from wbm_ds_item where id = ?", id );
		assertEquals( version, longValue( row, "version" ) );
		assertEquals( name, string( row, "name" ) );
		assertEquals( id, longValue( row, "amount" ) );
		assertEquals( id * 2, longValue( row, "optional" ) );
		assertEquals( id % 2 == 0 ? "Y" : "N", string( row, "active" ) );
		assertEquals( id % 3 == 0 ? "LARGE" : "SMALL", string( row, "item_size" ) );
		assertEquals( LocalDate.of( 2026, 1, 1 ).plusDays( id ).toString(), string( row, "due" ) );
		assertEquals( "street " + id, string( row, "street" ) );
		assertEquals( "city " + id, string( row, "city" ) );
		assertEquals( owner, longValue( row, "owner_id" ) );
	}

	/** The flusher logged the direct statement of this operation (its SQL, not a fallback). */
	private void assertDirect(String kind, Class<?> entity) {
		String prefix = kind + " " + entity.getName() + ": " + kind.toLowerCase( java.util.Locale.ROOT ) + " ";
		assertTrue( logs.lines().stream().anyMatch( l -> l.startsWith( "WB000032" ) && l.contains( prefix ) ),
				() -> "no direct " + kind + " of " + entity + " in " + logs.lines() );
	}
}
