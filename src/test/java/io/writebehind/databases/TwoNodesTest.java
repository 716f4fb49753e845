package io.writebehind.databases;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.model.Counter;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 3, point 6: two EntityManagerFactory instances on one database stand for two application nodes. A write of
 * node A that conflicts with a newer row written by node B is detected at A's flush, never written over B's row.
 */
class TwoNodesTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	/**
	 * READ COMMITTED on every database: the scenarios need a node that caches what it read (at MariaDB's default
	 * REPEATABLE READ, reads are not cached, so a node never serves the stale row these tests are about).
	 */
	@Override
	protected Integer transactionIsolation() {
		return java.sql.Connection.TRANSACTION_READ_COMMITTED;
	}

	@Test
	void aStaleWriteOfOneNodeIsAConflictAtItsFlush() {
		CountingConnectionProvider nodeBConnections = new CountingConnectionProvider( schema, true )
				.isolation( java.sql.Connection.TRANSACTION_READ_COMMITTED );
		try ( EntityManagerFactory nodeB = buildFactory( nodeBConnections, Map.of( "hibernate.hbm2ddl.auto", "none" ) ) ) {
			inTransaction( em -> em.persist( new Counter( 1L, "shared", 10 ) ) );
			writeBehind().flush();
			// node A has the entity cached at version 0; node B reads it from the database and writes version 1
			assertEquals( 10, fromTransaction( em -> em.find( Counter.class, 1L ) ).getTotal() );
			inTransaction( nodeB, em -> em.find( Counter.class, 1L ).setTotal( 20 ) );
			WriteBehind.of( nodeB ).flush();
			assertEquals( 20, count( "select total from wb_counter where id = 1 and version = 1" ) );
			// node A commits against its own (stale) cache: accepted there, refused by the database at flush
			inTransaction( em -> em.find( Counter.class, 1L ).setTotal( 11 ) );
			writeBehind().flush();
			assertEquals( 1, writeBehind().stats().conflicts() );
			assertEquals( 20, count( "select total from wb_counter where id = 1" ) );
			// node A's cache was invalidated: it now reads node B's row, and builds on it
			assertEquals( 20, fromTransaction( em -> em.find( Counter.class, 1L ) ).getTotal() );
			inTransaction( em -> em.find( Counter.class, 1L ).increment() );
			writeBehind().flush();
			assertEquals( 21, count( "select total from wb_counter where id = 1 and version = 2" ) );
			assertEquals( 0, WriteBehind.of( nodeB ).stats().conflicts() );
		}
		finally {
			nodeBConnections.closeAll();
		}
	}

	@Test
	void aRemoveOnOneNodeAndAnUpdateOnTheOtherNeverResurrectTheRow() {
		CountingConnectionProvider nodeBConnections = new CountingConnectionProvider( schema, true )
				.isolation( java.sql.Connection.TRANSACTION_READ_COMMITTED );
		try ( EntityManagerFactory nodeB = buildFactory( nodeBConnections, Map.of( "hibernate.hbm2ddl.auto", "none" ) ) ) {
			inTransaction( em -> em.persist( new Counter( 1L, "shared", 10 ) ) );
			writeBehind().flush();
			assertNotNull( fromTransaction( nodeB, em -> em.find( Counter.class, 1L ) ) );
			inTransaction( em -> em.remove( em.find( Counter.class, 1L ) ) );
			writeBehind().flush();
			inTransaction( nodeB, em -> em.find( Counter.class, 1L ).increment() );
			WriteBehind.of( nodeB ).flush();
			assertEquals( 0, count( "select count(*) from wb_counter" ) );
			assertEquals( 1, WriteBehind.of( nodeB ).stats().conflicts() );
			assertNull( fromTransaction( nodeB, em -> em.find( Counter.class, 1L ) ) );
		}
		finally {
			nodeBConnections.closeAll();
		}
	}
}
