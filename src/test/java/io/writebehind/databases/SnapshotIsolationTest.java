package io.writebehind.databases;

import static org.junit.jupiter.api.Assertions.*;

import java.sql.Connection;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.model.Counter;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

/**
 * At REPEATABLE READ (MySQL/MariaDB's default) a transaction's reads come from a snapshot that can be older than
 * write-behind's latest write: rows read by transactions are not cached there, and the commit-time version check
 * reads the database outside the transaction's snapshot. At READ COMMITTED, reads fill the cache.
 */
class SnapshotIsolationTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	private long selectsForTwoReads(int isolation) {
		CountingConnectionProvider provider = new CountingConnectionProvider( schema, true ).isolation( isolation );
		try ( EntityManagerFactory factory = buildFactory( provider, Map.of( "hibernate.hbm2ddl.auto", "none" ) ) ) {
			provider.sql().clear();
			for ( int i = 0; i < 2; i++ ) {
				assertEquals( 70, fromTransaction( factory, em -> em.find( Counter.class, 7L ) ).getTotal() );
			}
			return provider.sql().executions( "select", "wb_counter" );
		}
		finally {
			provider.closeAll();
		}
	}

	@Test
	void readsAreCachedAtReadCommittedOnlyAndTheVersionCheckLooksPastTheSnapshot() {
		update( "insert into wb_counter (id, name, total, version) values (7, 'db', 70, 3)" );
		emf.close();
		assertEquals( 1, selectsForTwoReads( Connection.TRANSACTION_READ_COMMITTED ) );
		assertEquals( 2, selectsForTwoReads( Connection.TRANSACTION_REPEATABLE_READ ) );
	}
}
