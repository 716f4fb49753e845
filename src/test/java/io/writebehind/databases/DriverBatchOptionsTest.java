package io.writebehind.databases;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.model.Counter;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.TestDatabase;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 3, point 4: JDBC URL options that make a driver report SUCCESS_NO_INFO for batched statements must not hide a
 * version conflict, and the recommended options still batch.
 */
class DriverBatchOptionsTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	/** The options that rewrite or bulk-send batches on this database. */
	private String batchRewritingOptions() {
		return switch ( database ) {
			case H2 -> "";
			case POSTGRESQL -> "reWriteBatchedInserts=true";
			case MARIADB -> "useBulkStmts=true&rewriteBatchedStatements=true";
		};
	}

	@Test
	void conflictsAreDetectedWithBatchRewritingOptions() {
		String options = batchRewritingOptions();
		String url = schema.url() + ( options.isEmpty() ? "" : ( schema.url().contains( "?" ) ? "&" : "?" ) + options );
		CountingConnectionProvider provider = new CountingConnectionProvider(
				new TestDatabase.Schema( database, schema.name(), url ), true );
		emf.close();
		try ( EntityManagerFactory factory = buildFactory( provider, Map.of( "hibernate.hbm2ddl.auto", "none" ) ) ) {
			WriteBehind writeBehind = WriteBehind.of( factory );
			inTransaction( factory, em -> {
				for ( long id = 1; id <= 20; id++ ) {
					em.persist( new Counter( id, "c", 0 ) );
				}
			} );
			writeBehind.flush();
			assertEquals( 20, count( "select count(*) from wb_counter" ) );
			assertEquals( 20, provider.sql().rows( "insert", "wb_counter" ) );
			assertTrue( provider.sql().executions( "insert", "wb_counter" ) < 20, "inserts stay batched" );
			for ( long id = 1; id <= 20; id++ ) {
				long value = id;
				inTransaction( factory, em -> em.find( Counter.class, value ).increment() );
			}
			// rows 3 and 17 change behind write-behind's back
			update( "update wb_counter set total = 100, version = version + 1 where id in (3, 17)" );
			writeBehind.flush();
			assertEquals( 2, writeBehind.stats().conflicts(), provider.sql().toString() );
			assertEquals( 100, count( "select total from wb_counter where id = 3" ) );
			assertEquals( 100, count( "select total from wb_counter where id = 17" ) );
			assertEquals( 18, count( "select count(*) from wb_counter where total = 1" ) );
			inTransaction( factory, em -> em.remove( em.find( Counter.class, 5L ) ) );
			update( "update wb_counter set version = version + 1 where id = 5" );
			writeBehind.flush();
			assertEquals( 3, writeBehind.stats().conflicts() );
			assertEquals( 1, count( "select count(*) from wb_counter where id = 5" ) );
		}
		finally {
			provider.closeAll();
		}
	}
}
