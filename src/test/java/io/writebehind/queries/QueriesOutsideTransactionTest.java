package io.writebehind.queries;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.function.Function;

import org.hibernate.ScrollableResults;
import org.hibernate.query.NativeQuery;
import org.hibernate.query.SelectionQuery;
import org.junit.jupiter.api.Test;

import io.writebehind.queries.QueryEntities.Category;
import io.writebehind.queries.QueryEntities.EventualItem;
import io.writebehind.queries.QueryEntities.Item;
import io.writebehind.queries.QueryEntities.PlainItem;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.criteria.CriteriaBuilder;
import jakarta.persistence.criteria.CriteriaQuery;
import jakarta.persistence.criteria.Root;

/**
 * Issue 13, point 1: a query run from an EntityManager with no transaction (Spring Data query methods, Open Session In
 * View) sees the committed pending writes, as plain Hibernate would if they were rows. Hibernate fires no auto-flush
 * event outside a transaction: these tests fail if it stops routing query executions through the select executor of
 * its JdbcServices (write-behind's hook there).
 */
class QueriesOutsideTransactionTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Category.class, Item.class, PlainItem.class, EventualItem.class };
	}

	/** Runs work on an EntityManager that never begins a transaction. */
	private <T> T outside(Function<EntityManager, T> work) {
		EntityManager em = emf.createEntityManager();
		try {
			assertFalse( em.getTransaction().isActive() );
			return work.apply( em );
		}
		finally {
			em.close();
		}
	}

	/** The same committed writes, pending for Item, written by plain Hibernate for PlainItem. */
	private void sameWritesToBoth() {
		inTransaction( em -> {
			em.persist( new Category( 1L, "tools" ) );
			em.persist( new Category( 2L, "toys" ) );
		} );
		for ( boolean optedIn : new boolean[] { true, false } ) {
			inTransaction( em -> {
				for ( long id = 1; id <= 40; id++ ) {
					Category category = em.getReference( Category.class, 1 + id % 2 );
					if ( optedIn ) {
						em.persist( new Item( id, "item" + id, id * 3 % 50, category ) );
					}
					else {
						em.persist( new PlainItem( id, "item" + id, id * 3 % 50, category ) );
					}
				}
			} );
		}
		writeBehind().flush();
		for ( boolean optedIn : new boolean[] { true, false } ) {
			inTransaction( em -> {
				for ( long id = 1; id <= 40; id += 3 ) {
					if ( optedIn ) {
						em.find( Item.class, id ).price += 100;
					}
					else {
						em.find( PlainItem.class, id ).price += 100;
					}
				}
				for ( long id = 2; id <= 40; id += 7 ) {
					em.remove( optedIn ? em.find( Item.class, id ) : em.find( PlainItem.class, id ) );
				}
				for ( long id = 41; id <= 45; id++ ) {
					Category category = em.getReference( Category.class, 2L );
					if ( optedIn ) {
						em.persist( new Item( id, "new" + id, id, category ) );
					}
					else {
						em.persist( new PlainItem( id, "new" + id, id, category ) );
					}
				}
			} );
		}
		assertTrue( writeBehind().stats().pending() > 0 );
	}

	private List<List<Object>> rows(String jpql) {
		return outside( em -> em.createQuery( jpql, Object.class ).getResultList().stream()
				.map( r -> r instanceof Object[] a ? List.of( a ) : List.of( r ) ).toList() );
	}

	@Test
	void jpqlCountFiltersPaginationAndJoinsGiveTheResultsOfPlainHibernate() {
		sameWritesToBoth();
		assertEquals( rows( "select count(i) from PlainItem i" ), rows( "select count(i) from Item i" ) );
		assertEquals( rows( "select i.id, i.price, i.version from PlainItem i where i.price > 60 order by i.id" ),
				rows( "select i.id, i.price, i.version from Item i where i.price > 60 order by i.id" ) );
		assertEquals( rows( "select c.name, count(i), sum(i.price) from PlainItem i join i.category c group by c.name order by c.name" ),
				rows( "select c.name, count(i), sum(i.price) from Item i join i.category c group by c.name order by c.name" ) );
		for ( int first = 0; first < 45; first += 9 ) {
			int from = first;
			List<Long> plain = outside( em -> em.createQuery( "select i.id from PlainItem i order by i.price desc, i.id",
					Long.class ).setFirstResult( from ).setMaxResults( 9 ).getResultList() );
			List<Long> wb = outside( em -> em.createQuery( "select i.id from Item i order by i.price desc, i.id",
					Long.class ).setFirstResult( from ).setMaxResults( 9 ).getResultList() );
			assertEquals( plain, wb );
		}
		assertEquals( 0, writeBehind().stats().pending() );
	}

	@Test
	void criteriaNamedAndEntityQueriesSeePendingWrites() {
		sameWritesToBoth();
		assertEquals( criteriaCount( PlainItem.class ), criteriaCount( Item.class ) );
		inTransaction( em -> em.find( Item.class, 4L ).price = 1 );
		List<Long> cheap = outside( em -> em.createNamedQuery( "Item.cheaperThan", Item.class ).setParameter( "max", 2L )
				.getResultList().stream().map( i -> i.id ).toList() );
		assertTrue( cheap.contains( 4L ), cheap.toString() );
		// entities returned by the query: the latest committed state, version included
		inTransaction( em -> em.find( Item.class, 5L ).name = "renamed" );
		Item five = outside( em -> em.createQuery( "select i from Item i where i.id = 5", Item.class ).getSingleResult() );
		assertEquals( "renamed", five.name );
		int version = fromTransaction( em -> em.find( Item.class, 5L ).version );
		assertEquals( version, five.version );
	}

	private long criteriaCount(Class<?> type) {
		return outside( em -> {
			CriteriaBuilder cb = em.getCriteriaBuilder();
			CriteriaQuery<Long> q = cb.createQuery( Long.class );
			Root<?> root = q.from( type );
			q.select( cb.count( root ) ).where( cb.gt( root.get( "price" ), 20L ) );
			return em.createQuery( q ).getSingleResult();
		} );
	}

	@Test
	void nativeQueriesFlushTheirDeclaredTablesOrEverythingWhenTheyDeclareNone() {
		inTransaction( em -> {
			em.persist( new Item( 1L, "i", 1, null ) );
			em.persist( new EventualItem( 1L, "e" ) );
		} );
		Number declared = outside( em -> (Number) em.createNativeQuery( "select count(*) from wbq_item" )
				.unwrap( NativeQuery.class ).addSynchronizedEntityClass( Item.class ).getSingleResult() );
		assertEquals( 1, declared.intValue() );
		assertEquals( 1, writeBehind().stats().pending(), "only the declared table was flushed" );
		inTransaction( em -> em.persist( new Item( 2L, "i", 2, null ) ) );
		Number bySpace = outside( em -> (Number) em.createNativeQuery( "select count(*) from wbq_item" )
				.unwrap( NativeQuery.class ).addSynchronizedQuerySpace( "wbq_item" ).getSingleResult() );
		assertEquals( 2, bySpace.intValue() );
		inTransaction( em -> em.persist( new Item( 3L, "i", 3, null ) ) );
		Number undeclared = outside( em -> (Number) em.createNativeQuery( "select count(*) from wbq_item" ).getSingleResult() );
		assertEquals( 3, undeclared.intValue() );
	}

	@Test
	void scrollingAndStreamingSeePendingWrites() {
		inTransaction( em -> {
			for ( long id = 1; id <= 12; id++ ) {
				em.persist( new Item( id, "i", id, null ) );
			}
		} );
		long scrolled = outside( em -> {
			long n = 0;
			try ( ScrollableResults<Item> results = em.createQuery( "select i from Item i", Item.class )
					.unwrap( SelectionQuery.class ).scroll() ) {
				while ( results.next() ) {
					n++;
				}
			}
			return n;
		} );
		assertEquals( 12, scrolled );
		inTransaction( em -> em.persist( new Item( 13L, "i", 13, null ) ) );
		long streamed = outside( em -> em.createQuery( "select i from Item i", Item.class ).getResultStream().count() );
		assertEquals( 13, streamed );
	}

	@Test
	void eventualEntitiesAreReadAsTheDatabaseHasThem() {
		inTransaction( em -> em.persist( new EventualItem( 1L, "e" ) ) );
		assertEquals( 0L, (long) outside( em -> em.createQuery( "select count(e) from EventualItem e", Long.class ).getSingleResult() ) );
		assertEquals( 1, writeBehind().stats().pending() );
		writeBehind().flush();
		assertEquals( 1L, (long) outside( em -> em.createQuery( "select count(e) from EventualItem e", Long.class ).getSingleResult() ) );
	}

	@Test
	void loadsAreNotQueriesAndQueriesOfOtherTablesFlushNothing() {
		inTransaction( em -> {
			em.persist( new Category( 1L, "tools" ) );
			em.persist( new Item( 1L, "i", 1, null ) );
		} );
		writeBehind().flush();
		inTransaction( em -> em.persist( new Item( 2L, "i", 2, null ) ) );
		// a find outside a transaction: from the cache or the database, no flush
		assertNotNull( outside( em -> em.find( Item.class, 1L ) ) );
		assertNull( outside( em -> em.find( Item.class, 99L ) ) );
		assertEquals( 1, writeBehind().stats().pending() );
		assertEquals( 1L, (long) outside( em -> em.createQuery( "select count(c) from Category c", Long.class ).getSingleResult() ) );
		assertEquals( 1, writeBehind().stats().pending() );
		assertEquals( 0, count( "select count(*) from wbq_item where id = 2" ) );
	}
}
