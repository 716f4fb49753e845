package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;
import io.writebehind.mapping.SelfReferenceMappingTest.Category;
import io.writebehind.mapping.ToOneMappingTest.Customer;
import io.writebehind.mapping.ToOneMappingTest.Invoice;
import io.writebehind.mapping.ToOneMappingTest.Purchase;
import io.writebehind.mapping.ToOneMappingTest.SalesRegion;

/**
 * With several flusher threads, the writes of a parent and of its child may belong to different threads (ids are
 * partitioned by hash): the foreign keys must still reach the database, parents before children, and removals children
 * before parents.
 */
class ForeignKeysAcrossFlusherThreadsMappingTest extends MappingTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Customer.class, Purchase.class, Invoice.class, SalesRegion.class, Category.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.FLUSHER_THREADS, "4" );
	}

	@Test
	void parentsAndChildrenInOneTransaction() {
		for ( int round = 0; round < 5; round++ ) {
			long base = round * 1000L;
			inTransaction( em -> {
				for ( long i = 1; i <= 40; i++ ) {
					Customer customer = new Customer( base + i, "c" + i );
					em.persist( customer );
					Purchase purchase = new Purchase( base + 500 + i, "p" + i );
					purchase.customer = customer;
					em.persist( purchase );
				}
			} );
			writeBehind().flush();
			assertTrue( writeBehind().failedWrites().isEmpty(), () -> "failed writes: " + writeBehind().failedWrites() );
			assertEquals( 40, count( "select count(*) from wbm_purchase where customer_id is not null and id > ?", base ) );
			inTransaction( em -> {
				for ( long i = 1; i <= 40; i++ ) {
					em.remove( em.find( Purchase.class, base + 500 + i ) );
					em.remove( em.find( Customer.class, base + i ) );
				}
			} );
			writeBehind().flush();
			assertTrue( writeBehind().failedWrites().isEmpty(), () -> "failed writes: " + writeBehind().failedWrites() );
			assertEquals( 0, count( "select count(*) from wbm_purchase" ) );
			assertEquals( 0, count( "select count(*) from wbm_customer" ) );
		}
	}

	@Test
	void treeInOneTransaction() {
		inTransaction( em -> {
			Category parent = null;
			for ( long i = 1; i <= 40; i++ ) {
				Category category = new Category( i, "c" + i, parent );
				em.persist( category );
				parent = category;
			}
		} );
		writeBehind().flush();
		assertTrue( writeBehind().failedWrites().isEmpty(), () -> "failed writes: " + writeBehind().failedWrites() );
		assertEquals( 39, count( "select count(*) from wbm_category where parent_id is not null" ) );
	}
}
