package io.writebehind.orm;

import static org.junit.jupiter.api.Assertions.*;

import org.hibernate.query.NativeQuery;
import org.junit.jupiter.api.Test;

import io.writebehind.QueryConsistency;
import io.writebehind.WriteBehindEntity;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Inheritance;
import jakarta.persistence.InheritanceType;
import jakarta.persistence.Table;

/**
 * Issue 15 point 3: write-behind tells a bulk statement from a query by the Hibernate SPIs that run it (the mutation
 * executor of {@code JdbcServices}, the multi-table strategies' handlers), not by Hibernate's class names on the
 * stack. Pinned on entities with {@code QueryConsistency.EVENTUAL}, where the two differ: a query neither flushes nor
 * forgets anything, a bulk statement flushes the pending writes of its tables first and drops their cached entries.
 * A Hibernate upgrade that ran bulk statements some other way fails here.
 */
class BulkStatementSignalTest extends WriteBehindTestBase {

	@Entity(name = "WboThing")
	@Table(name = "wbo_thing")
	@WriteBehindEntity(queryConsistency = QueryConsistency.EVENTUAL)
	static class Thing {
		@Id
		Long id;
		long price;

		Thing() {
		}

		Thing(Long id, long price) {
			this.id = id;
			this.price = price;
		}
	}

	/** Two tables: bulk statements on it run through a multi-table strategy (CTE on PostgreSQL, temporary tables else). */
	@Entity(name = "WboMachine")
	@Table(name = "wbo_machine")
	@Inheritance(strategy = InheritanceType.JOINED)
	@WriteBehindEntity(queryConsistency = QueryConsistency.EVENTUAL)
	static class Machine {
		@Id
		Long id;
		long power;
	}

	@Entity(name = "WboPress")
	@Table(name = "wbo_press")
	static class Press extends Machine {
		long pressure;

		Press() {
		}

		Press(Long id, long power, long pressure) {
			this.id = id;
			this.power = power;
			this.pressure = pressure;
		}
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Thing.class, Machine.class, Press.class };
	}

	/** Thing#1 written at price 1, then a pending update to 2 (served by the cache). */
	private void pendingUpdate() {
		inTransaction( em -> em.persist( new Thing( 1L, 1 ) ) );
		writeBehind().flush();
		inTransaction( em -> em.find( Thing.class, 1L ).price = 2 );
		assertEquals( 1, writeBehind().stats().pending() );
	}

	@Test
	void aQueryIsNotABulkStatement() {
		pendingUpdate();
		long read = fromTransaction( em -> em.createQuery( "select t.price from WboThing t", Long.class ).getSingleResult() );
		assertEquals( 1, read, "the query read the database as it is" );
		assertEquals( 1, writeBehind().stats().pending(), "a query on an EVENTUAL entity flushes nothing" );
		connections.sql().clear();
		assertEquals( 2, fromTransaction( em -> em.find( Thing.class, 1L ) ).price );
		assertEquals( 0, connections.sql().executions( "select", "wbo_thing" ), "the cache still serves it" );
	}

	@Test
	void aBulkUpdateSeesThePendingWritesAndDropsTheCachedEntries() {
		pendingUpdate();
		assertEquals( 1, (int) fromTransaction( em -> em.createQuery( "update WboThing t set t.price = t.price * 10" )
				.executeUpdate() ) );
		assertEquals( 20, count( "select price from wbo_thing where id = 1" ) );
		assertEquals( 20, fromTransaction( em -> em.find( Thing.class, 1L ) ).price );
	}

	@Test
	void aBulkDeleteSeesThePendingWritesAndDropsTheCachedEntries() {
		pendingUpdate();
		assertEquals( 1, (int) fromTransaction( em -> em.createQuery( "delete from WboThing t where t.price = 2" )
				.executeUpdate() ) );
		assertNull( fromTransaction( em -> em.find( Thing.class, 1L ) ) );
	}

	@Test
	void aNativeExecuteUpdateSeesThePendingWritesAndDropsTheCachedEntries() {
		pendingUpdate();
		assertEquals( 1, (int) fromTransaction( em -> em.createNativeQuery( "update wbo_thing set price = price * 10" )
				.unwrap( NativeQuery.class ).addSynchronizedEntityClass( Thing.class ).executeUpdate() ) );
		assertEquals( 20, fromTransaction( em -> em.find( Thing.class, 1L ) ).price );
	}

	@Test
	void aMultiTableBulkUpdateSeesThePendingWritesAndDropsTheCachedEntries() {
		inTransaction( em -> em.persist( new Press( 1L, 1, 1 ) ) );
		writeBehind().flush();
		inTransaction( em -> {
			Press press = em.find( Press.class, 1L );
			press.power = 2;
			press.pressure = 3;
		} );
		assertEquals( 1, (int) fromTransaction( em -> em.createQuery(
				"update WboPress p set p.pressure = p.pressure * 10, p.power = p.power * 10" ).executeUpdate() ) );
		Press press = fromTransaction( em -> em.find( Press.class, 1L ) );
		assertEquals( 20, press.power );
		assertEquals( 30, press.pressure );
		assertEquals( 1, (int) fromTransaction( em -> em.createQuery( "delete from WboPress p" ).executeUpdate() ) );
		assertNull( fromTransaction( em -> em.find( Press.class, 1L ) ) );
	}
}
