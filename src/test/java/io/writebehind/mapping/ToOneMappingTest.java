package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.hibernate.Hibernate;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.OneToOne;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * To-one associations of opted-in entities: {@code @ManyToOne} (LAZY and EAGER) to opted-in and to normal entities,
 * {@code @OneToOne} owning ({@code @JoinColumn}) and inverse ({@code mappedBy}) sides. The foreign keys reach the
 * database, the flusher never selects a parent, and reads from the cache give the right parents.
 */
class ToOneMappingTest extends MappingTestBase {

	@Entity(name = "WbmInvoice")
	@Table(name = "wbm_invoice")
	@WriteBehindEntity
	static class Invoice {
		@Id
		Long id;
		@Version
		int version;
		String number;
		@OneToOne(mappedBy = "invoice")
		Purchase purchase;

		Invoice() {
		}

		Invoice(Long id, String number) {
			this.id = id;
			this.number = number;
		}
	}

	@Entity(name = "WbmCustomer")
	@Table(name = "wbm_customer")
	@WriteBehindEntity
	static class Customer {
		@Id
		Long id;
		@Version
		int version;
		String name;

		Customer() {
		}

		Customer(Long id, String name) {
			this.id = id;
			this.name = name;
		}

		String getName() {
			return name;
		}
	}

	/** A normal entity, written by Hibernate at commit. */
	@Entity(name = "WbmSalesRegion")
	@Table(name = "wbm_sales_region")
	static class SalesRegion {
		@Id
		Long id;
		String name;

		SalesRegion() {
		}

		SalesRegion(Long id, String name) {
			this.id = id;
			this.name = name;
		}

		String getName() {
			return name;
		}
	}

	@Entity(name = "WbmPurchase")
	@Table(name = "wbm_purchase")
	@WriteBehindEntity
	static class Purchase {
		@Id
		Long id;
		@Version
		int version;
		String label;
		@ManyToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "customer_id")
		Customer customer;
		@ManyToOne(fetch = FetchType.EAGER)
		@JoinColumn(name = "payer_id")
		Customer payer;
		@ManyToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "region_id")
		SalesRegion region;
		@ManyToOne(fetch = FetchType.EAGER)
		@JoinColumn(name = "ship_region_id")
		SalesRegion shipRegion;
		@OneToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "invoice_id")
		Invoice invoice;

		Purchase() {
		}

		Purchase(Long id, String label) {
			this.id = id;
			this.label = label;
		}
	}

	@Override
	protected Class<?>[] entities() {
		// the inverse side first: write-behind must still insert invoices before the purchases that reference them
		return new Class<?>[] { Invoice.class, Purchase.class, Customer.class, SalesRegion.class };
	}

	private void persistGraph() {
		inTransaction( em -> {
			SalesRegion north = new SalesRegion( 10L, "north" );
			SalesRegion south = new SalesRegion( 11L, "south" );
			Customer alice = new Customer( 1L, "alice" );
			Customer bob = new Customer( 2L, "bob" );
			Invoice invoice = new Invoice( 100L, "INV-100" );
			em.persist( north );
			em.persist( south );
			em.persist( alice );
			em.persist( bob );
			em.persist( invoice );
			Purchase purchase = new Purchase( 1000L, "first" );
			purchase.customer = alice;
			purchase.payer = bob;
			purchase.region = north;
			purchase.shipRegion = south;
			purchase.invoice = invoice;
			invoice.purchase = purchase;
			em.persist( purchase );
		} );
	}

	private Object idOf(Object entity) {
		return emf.getPersistenceUnitUtil().getIdentifier( entity );
	}

	private void assertPurchaseRow(long id, Long customer, Long payer, Long region, Long shipRegion, Long invoice) {
		Map<String, Object> row = row( "select * from wbm_purchase where id = ?", id );
		assertNotNull( row, "no row for purchase " + id );
		assertEquals( customer, longValue( row, "customer_id" ), "customer_id" );
		assertEquals( payer, longValue( row, "payer_id" ), "payer_id" );
		assertEquals( region, longValue( row, "region_id" ), "region_id" );
		assertEquals( shipRegion, longValue( row, "ship_region_id" ), "ship_region_id" );
		assertEquals( invoice, longValue( row, "invoice_id" ), "invoice_id" );
	}

	/** Reads the purchase in a new EntityManager and checks every parent, serving opted-in ones from the cache. */
	private void assertPurchaseReadsBack(long id, Long customer, Long payer, Long region, Long shipRegion, Long invoice) {
		sql().clear();
		inTransaction( em -> {
			Purchase p = em.find( Purchase.class, id );
			assertNotNull( p );
			assertEquals( customer, p.customer == null ? null : idOf( p.customer ) );
			if ( customer != null ) {
				assertFalse( Hibernate.isInitialized( p.customer ), "a LAZY to-one is a proxy" );
				assertEquals( customer == 1L ? "alice" : "bob", p.customer.getName() );
			}
			assertEquals( payer, p.payer == null ? null : idOf( p.payer ) );
			if ( payer != null ) {
				assertTrue( Hibernate.isInitialized( p.payer ), "an EAGER to-one is loaded" );
				assertEquals( payer == 1L ? "alice" : "bob", p.payer.getName() );
			}
			assertEquals( region, p.region == null ? null : idOf( p.region ) );
			if ( region != null ) {
				assertEquals( region == 10L ? "north" : "south", p.region.getName() );
			}
			assertEquals( shipRegion, p.shipRegion == null ? null : idOf( p.shipRegion ) );
			if ( shipRegion != null ) {
				assertTrue( Hibernate.isInitialized( p.shipRegion ) );
				assertEquals( shipRegion == 10L ? "north" : "south", p.shipRegion.getName() );
			}
			assertEquals( invoice, p.invoice == null ? null : idOf( p.invoice ) );
		} );
		// the opted-in entities came from the cache; the normal region from the database
		assertNoSqlOn( "wbm_purchase", "wbm_customer", "wbm_invoice" );
	}

	@Test
	void parentsAndChildPersistedInOneTransaction() {
		persistGraph();
		assertEquals( 2, count( "select count(*) from wbm_sales_region" ), "the normal entity is written at commit" );
		assertEquals( 0, count( "select count(*) from wbm_purchase" ) );
		assertPurchaseReadsBack( 1000L, 1L, 2L, 10L, 11L, 100L );

		flushWithoutSelect();
		assertPurchaseRow( 1000L, 1L, 2L, 10L, 11L, 100L );
		assertEquals( 2, count( "select count(*) from wbm_customer" ) );
		assertEquals( "INV-100", row( "select number from wbm_invoice where id = 100" ).get( "number" ) );
		assertPurchaseReadsBack( 1000L, 1L, 2L, 10L, 11L, 100L );
	}

	@Test
	void parentsAndChildPersistedInDifferentTransactions() {
		inTransaction( em -> {
			em.persist( new SalesRegion( 10L, "north" ) );
			em.persist( new Customer( 1L, "alice" ) );
		} );
		inTransaction( em -> em.persist( new Customer( 2L, "bob" ) ) );
		writeBehind().flush(); // alice and bob in the database, clean in the cache
		inTransaction( em -> em.persist( new Invoice( 100L, "INV-100" ) ) ); // pending
		inTransaction( em -> {
			Purchase purchase = new Purchase( 1000L, "second" );
			purchase.customer = em.getReference( Customer.class, 1L ); // a proxy, never initialised
			purchase.payer = em.find( Customer.class, 2L );
			purchase.region = em.getReference( SalesRegion.class, 10L );
			purchase.invoice = em.find( Invoice.class, 100L );
			em.persist( purchase );
		} );
		assertPurchaseReadsBack( 1000L, 1L, 2L, 10L, null, 100L );
		flushWithoutSelect();
		assertPurchaseRow( 1000L, 1L, 2L, 10L, null, 100L );
		assertPurchaseReadsBack( 1000L, 1L, 2L, 10L, null, 100L );
	}

	@Test
	void changingAndClearingParents() {
		persistGraph();
		flushWithoutSelect();
		inTransaction( em -> {
			Purchase p = em.find( Purchase.class, 1000L );
			p.customer = em.getReference( Customer.class, 2L );
			p.payer = null;
			p.region = p.shipRegion;
			p.shipRegion = null;
			p.invoice = null;
		} );
		assertPurchaseReadsBack( 1000L, 2L, null, 11L, null, null );
		flushWithoutSelect();
		assertPurchaseRow( 1000L, 2L, null, 11L, null, null );
		assertEquals( 1, sql().executions( "update", "wbm_purchase" ) );
	}

	@Test
	void removingChildAndOptedInParentsInOneTransaction() {
		persistGraph();
		flushWithoutSelect();
		inTransaction( em -> {
			Purchase p = em.find( Purchase.class, 1000L );
			em.remove( p );
			em.remove( em.find( Customer.class, 1L ) );
			em.remove( em.find( Customer.class, 2L ) );
			em.remove( em.find( Invoice.class, 100L ) );
		} );
		assertNull( fromTransaction( em -> em.find( Purchase.class, 1000L ) ) );
		assertNull( fromTransaction( em -> em.find( Customer.class, 1L ) ) );
		flushWithoutSelect();
		assertEquals( 0, count( "select count(*) from wbm_purchase" ) );
		assertEquals( 0, count( "select count(*) from wbm_customer" ) );
		assertEquals( 0, count( "select count(*) from wbm_invoice" ) );
	}

	@Test
	void removingChildAndParentsInDifferentTransactions() {
		persistGraph();
		flushWithoutSelect();
		inTransaction( em -> em.remove( em.find( Purchase.class, 1000L ) ) );
		inTransaction( em -> em.remove( em.find( Customer.class, 1L ) ) );
		inTransaction( em -> em.remove( em.find( Invoice.class, 100L ) ) );
		flushWithoutSelect();
		assertEquals( 0, count( "select count(*) from wbm_purchase" ) );
		assertEquals( 1, count( "select count(*) from wbm_customer" ) );
		assertEquals( 0, count( "select count(*) from wbm_invoice" ) );
		// now the normal parents can go
		inTransaction( em -> {
			em.remove( em.find( SalesRegion.class, 10L ) );
			em.remove( em.find( SalesRegion.class, 11L ) );
		} );
		assertEquals( 0, count( "select count(*) from wbm_sales_region" ) );
	}

	@Test
	void removingChildAndItsNormalParentInOneTransactionFailsWholeAtCommit() {
		persistGraph();
		flushWithoutSelect();
		// the normal region's DELETE runs at commit while the purchase's DELETE waits in the queue: the database's
		// foreign key refuses it, and the whole transaction rolls back (nothing half-done)
		assertThrows( PersistenceException.class, () -> inTransaction( em -> {
			Purchase p = em.find( Purchase.class, 1000L );
			em.remove( p );
			em.remove( em.find( SalesRegion.class, 10L ) );
		} ) );
		assertNotNull( fromTransaction( em -> em.find( Purchase.class, 1000L ) ), "the remove was rolled back" );
		assertEquals( 0, writeBehind().stats().pending() );
		assertEquals( 2, count( "select count(*) from wbm_sales_region" ) );
		// the way that works: the write-behind child first, flushed, then the normal parent
		inTransaction( em -> em.remove( em.find( Purchase.class, 1000L ) ) );
		writeBehind().flush();
		inTransaction( em -> em.remove( em.find( SalesRegion.class, 10L ) ) );
		assertEquals( 0, count( "select count(*) from wbm_purchase" ) );
		assertEquals( 1, count( "select count(*) from wbm_sales_region" ) );
	}

	@Test
	void inverseOneToOneSideReadsTheOwnerBeforeAndAfterFlush() {
		persistGraph();
		Long before = fromTransaction( em -> {
			Invoice invoice = em.find( Invoice.class, 100L );
			return invoice.purchase == null ? null : invoice.purchase.id;
		} );
		assertEquals( 1000L, before, "the inverse side of a committed, not yet flushed one-to-one" );
		writeBehind().flush();
		Long after = fromTransaction( em -> {
			Invoice invoice = em.find( Invoice.class, 100L );
			return invoice.purchase == null ? null : invoice.purchase.id;
		} );
		assertEquals( 1000L, after );
		inTransaction( em -> {
			Purchase purchase = em.find( Purchase.class, 1000L );
			Invoice invoice = (Invoice) Hibernate.unproxy( purchase.invoice );
			assertSame( purchase, invoice.purchase, "both sides are the same managed instances" );
		} );
		// the owner removed (committed, not flushed): the inverse side is empty
		inTransaction( em -> em.remove( em.find( Purchase.class, 1000L ) ) );
		assertEquals( 1, count( "select count(*) from wbm_purchase" ) );
		assertNull( fromTransaction( em -> em.find( Invoice.class, 100L ).purchase ) );
		// and a new owner is found
		inTransaction( em -> {
			Purchase other = new Purchase( 1001L, "other" );
			other.invoice = em.find( Invoice.class, 100L );
			em.persist( other );
		} );
		assertEquals( 1001L, (long) fromTransaction( em -> em.find( Invoice.class, 100L ).purchase.id ) );
		assertEquals( 0, writeBehind().stats().pending(), "read through a flush" );
	}
}
