package io.writebehind.observability;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.Test;

import io.writebehind.model.Counter;
import io.writebehind.testing.WriteBehindTestBase;

/**
 * Hibernate's statistics ({@code hibernate.generate_statistics}) count the rows write-behind writes: an insert, update or
 * delete per row once it is written (by the flusher, or in the application's transaction before a query), none at the
 * commit that only queued it, none while statistics are off.
 */
class HibernateStatisticsTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( "hibernate.generate_statistics", "true" );
	}

	private Statistics statistics() {
		return emf.unwrap( SessionFactory.class ).getStatistics();
	}

	private void assertCounts(long inserts, long updates, long deletes) {
		Statistics statistics = statistics();
		String counts = "inserts, updates, deletes: " + statistics.getEntityInsertCount() + ", "
				+ statistics.getEntityUpdateCount() + ", " + statistics.getEntityDeleteCount();
		assertEquals( inserts, statistics.getEntityInsertCount(), counts );
		assertEquals( updates, statistics.getEntityUpdateCount(), counts );
		assertEquals( deletes, statistics.getEntityDeleteCount(), counts );
		var entity = statistics.getEntityStatistics( Counter.class.getName() );
		assertEquals( inserts, entity.getInsertCount(), counts );
		assertEquals( updates, entity.getUpdateCount(), counts );
		assertEquals( deletes, entity.getDeleteCount(), counts );
	}

	@Test
	void theRowsWrittenAreCountedOnceWhenTheyAreWritten() {
		inTransaction( em -> {
			for ( long id = 1; id <= 3; id++ ) {
				em.persist( new Counter( id, "c" + id, id ) );
			}
		} );
		// committed into the queue: no statement yet, nothing counted
		assertCounts( 0, 0, 0 );
		writeBehind().flush();
		assertCounts( 3, 0, 0 );

		inTransaction( em -> {
			em.find( Counter.class, 1L ).increment();
			em.find( Counter.class, 2L ).increment();
		} );
		inTransaction( em -> em.find( Counter.class, 2L ).increment() ); // coalesces: one row written
		inTransaction( em -> em.remove( em.find( Counter.class, 3L ) ) );
		writeBehind().flush();
		assertCounts( 3, 2, 1 );
		assertEquals( 2, count( "select count(*) from wb_counter" ) );

		// written in the application's transaction before a query on its table: counted then, not again at the flush
		inTransaction( em -> {
			em.persist( new Counter( 4L, "c4", 4 ) );
			assertEquals( 3, em.createQuery( "select c from Counter c", Counter.class ).getResultList().size() );
			assertCounts( 4, 2, 1 );
		} );
		writeBehind().flush();
		assertCounts( 4, 2, 1 );

		statistics().setStatisticsEnabled( false );
		inTransaction( em -> em.find( Counter.class, 4L ).increment() );
		writeBehind().flush();
		statistics().setStatisticsEnabled( true );
		assertCounts( 4, 2, 1 );
		assertEquals( 5, count( "select total from wb_counter where id = 4" ) );
	}
}
