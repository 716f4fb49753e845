package io.writebehind.queries;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.hibernate.query.NativeQuery;
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

/** Issue 6: queries and bulk operations see a consistent picture. */
class QueryConsistencyTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Category.class, Item.class, PlainItem.class, EventualItem.class };
	}

	/** The same committed writes through write-behind (Item) and plain Hibernate (PlainItem). */
	private void sameWritesToBoth(long seed) {
		inTransaction( em -> {
			em.persist( new Category( 1L, "tools" ) );
			em.persist( new Category( 2L, "toys" ) );
		} );
		Random random = new Random( seed );
		for ( int round = 0; round < 5; round++ ) {
			List<long[]> ops = new ArrayList<>();
			for ( int i = 0; i < 30; i++ ) {
				ops.add( new long[] { 1 + random.nextInt( 60 ), random.nextInt( 3 ), random.nextInt( 100 ), 1 + random.nextInt( 2 ) } );
			}
			for ( boolean optedIn : new boolean[] { true, false } ) {
				inTransaction( em -> {
					for ( long[] op : ops ) {
						apply( em, optedIn, op );
					}
				} );
			}
		}
	}

	private static void apply(EntityManager em, boolean optedIn, long[] op) {
		long id = op[0];
		Category category = em.getReference( Category.class, op[3] );
		if ( optedIn ) {
			Item item = em.find( Item.class, id );
			if ( item == null ) {
				em.persist( new Item( id, "item" + id, op[2], category ) );
			}
			else if ( op[1] == 0 ) {
				em.remove( item );
			}
			else {
				item.price = op[2];
				item.category = category;
			}
		}
		else {
			PlainItem item = em.find( PlainItem.class, id );
			if ( item == null ) {
				em.persist( new PlainItem( id, "item" + id, op[2], category ) );
			}
			else if ( op[1] == 0 ) {
				em.remove( item );
			}
			else {
				item.price = op[2];
				item.category = category;
			}
		}
	}

	@Test
	void countPaginationAndJoinsGiveTheSameResultsAsPlainHibernate() {
		sameWritesToBoth( 42 );
		assertTrue( writeBehind().stats().pending() > 0, "writes are pending before the queries" );
		assertEquals( query( "select count(i) from PlainItem i" ), query( "select count(i) from Item i" ) );
		assertEquals( query( "select i.id, i.price from PlainItem i where i.price > 30 order by i.id" ),
				query( "select i.id, i.price from Item i where i.price > 30 order by i.id" ) );
		for ( int page = 0; page < 5; page++ ) {
			int first = page * 7;
			assertEquals( page( "select i.id, i.name from PlainItem i order by i.price desc, i.id", first ),
					page( "select i.id, i.name from Item i order by i.price desc, i.id", first ) );
		}
		assertEquals( query( "select c.name, count(i), sum(i.price) from PlainItem i join i.category c group by c.name order by c.name" ),
				query( "select c.name, count(i), sum(i.price) from Item i join i.category c group by c.name order by c.name" ) );
		// a Criteria query
		assertEquals( criteriaCount( PlainItem.class ), criteriaCount( Item.class ) );
		// the entities a query returns are the latest committed state
		List<List<Object>> plain = fromTransaction( em -> em.createQuery( "select i from PlainItem i order by i.id", PlainItem.class )
				.getResultList().stream().map( i -> List.<Object>of( i.id, i.price, i.version, i.category.id ) ).toList() );
		List<List<Object>> wb = fromTransaction( em -> em.createQuery( "select i from Item i order by i.id", Item.class )
				.getResultList().stream().map( i -> List.<Object>of( i.id, i.price, i.version, i.category.id ) ).toList() );
		assertEquals( plain, wb );
	}

	private List<List<Object>> query(String jpql) {
		return fromTransaction( em -> em.createQuery( jpql, Object.class ).getResultList().stream()
				.map( r -> r instanceof Object[] a ? List.of( a ) : List.of( r ) ).toList() );
	}

	private List<List<Object>> page(String jpql, int first) {
		return fromTransaction( em -> em.createQuery( jpql, Object[].class ).setFirstResult( first ).setMaxResults( 7 )
				.getResultList().stream().map( a -> List.of( (Object[]) a ) ).toList() );
	}

	private long criteriaCount(Class<?> type) {
		return fromTransaction( em -> {
			CriteriaBuilder cb = em.getCriteriaBuilder();
			CriteriaQuery<Long> q = cb.createQuery( Long.class );
			Root<?> root = q.from( type );
			q.select( cb.count( root ) ).where( cb.gt( root.get( "price" ), 50L ) );
			return em.createQuery( q ).getSingleResult();
		} );
	}

	@Test
	void aQueryFlushesOnlyThePendingWritesOfTheEntitiesItTouches() {
		inTransaction( em -> {
			for ( long id = 1; id <= 250; id++ ) {
				em.persist( new Item( id, "i", id, null ) );
			}
			em.persist( new EventualItem( 1L, "e" ) );
		} );
		connections.sql().clear();
		assertEquals( 250L, (long) fromTransaction( em -> em.createQuery( "select count(i) from Item i", Long.class ).getSingleResult() ) );
		// one batched flush for the table (250 rows at jdbc batch size 100: 3 executions), nothing else written
		assertEquals( 250, connections.sql().rows( "insert", "wbq_item" ) );
		assertEquals( 3, connections.sql().executions( "insert", "wbq_item" ) );
		assertEquals( 0, connections.sql().touching( "wbq_eventual" ) );
		assertEquals( 1, writeBehind().stats().pending() );
	}

	@Test
	void aNamedQuerySeesCommittedPendingWrites() {
		inTransaction( em -> {
			em.persist( new Item( 1L, "cheap", 5, null ) );
			em.persist( new Item( 2L, "dear", 500, null ) );
		} );
		inTransaction( em -> em.find( Item.class, 2L ).price = 6 );
		List<Long> ids = fromTransaction( em -> em.createNamedQuery( "Item.cheaperThan", Item.class )
				.setParameter( "max", 10L ).getResultList().stream().map( i -> i.id ).toList() );
		assertEquals( List.of( 1L, 2L ), ids );
	}

	@Test
	void underEventualConsistencyQueriesReadTheDatabaseAsItIs() {
		inTransaction( em -> em.persist( new EventualItem( 1L, "e" ) ) );
		assertEquals( 0L, (long) fromTransaction( em -> em.createQuery( "select count(e) from EventualItem e", Long.class ).getSingleResult() ) );
		assertNotNull( fromTransaction( em -> em.find( EventualItem.class, 1L ) ) );
		writeBehind().flush();
		assertEquals( 1L, (long) fromTransaction( em -> em.createQuery( "select count(e) from EventualItem e", Long.class ).getSingleResult() ) );
	}

	@Test
	void nativeQueriesWithDeclaredSpacesFlushThoseAndWithoutFlushEverything() {
		inTransaction( em -> {
			em.persist( new Item( 1L, "i", 1, null ) );
			em.persist( new EventualItem( 1L, "e" ) );
		} );
		Number synced = fromTransaction( em -> (Number) em.createNativeQuery( "select count(*) from wbq_item" )
				.unwrap( NativeQuery.class ).addSynchronizedEntityClass( Item.class ).getSingleResult() );
		assertEquals( 1, synced.intValue() );
		assertEquals( 1, writeBehind().stats().pending(), "the other entity's write was not flushed" );
		inTransaction( em -> em.persist( new Item( 2L, "i", 2, null ) ) );
		Number unknown = fromTransaction( em -> (Number) em.createNativeQuery( "select count(*) from wbq_item" ).getSingleResult() );
		assertEquals( 2, unknown.intValue() );
	}

	@Test
	void bulkUpdatesAndDeletesSeePendingWritesAndNoReadServesTheirOldRows() {
		inTransaction( em -> {
			for ( long id = 1; id <= 10; id++ ) {
				em.persist( new Item( id, "i", id, null ) );
			}
		} );
		writeBehind().flush();
		// cached, plus a pending update the bulk statement must see
		assertEquals( 5, fromTransaction( em -> em.find( Item.class, 5L ) ).price );
		inTransaction( em -> em.find( Item.class, 1L ).price = 100 );
		int updated = fromTransaction( em -> em.createQuery( "update Item i set i.price = i.price * 2 where i.price >= 5" ).executeUpdate() );
		assertEquals( 7, updated );
		assertEquals( 200, fromTransaction( em -> em.find( Item.class, 1L ) ).price );
		assertEquals( 10, fromTransaction( em -> em.find( Item.class, 5L ) ).price );
		assertEquals( 4, fromTransaction( em -> em.find( Item.class, 4L ) ).price );
		int deleted = fromTransaction( em -> em.createQuery( "delete from Item i where i.id = 3" ).executeUpdate() );
		assertEquals( 1, deleted );
		assertNull( fromTransaction( em -> em.find( Item.class, 3L ) ) );
		// native, tables unknown: every write-behind entity is flushed first and forgotten by the cache after
		inTransaction( em -> em.find( Item.class, 2L ).price = 50 );
		fromTransaction( em -> em.createNativeQuery( "update wbq_item set name = 'renamed'" ).executeUpdate() );
		Item two = fromTransaction( em -> em.find( Item.class, 2L ) );
		assertEquals( "renamed", two.name );
		assertEquals( 50, two.price );
		writeBehind().flush();
		assertEquals( 0, writeBehind().stats().conflicts() + writeBehind().stats().failed() );
	}
}
