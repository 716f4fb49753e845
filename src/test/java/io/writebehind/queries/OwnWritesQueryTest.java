package io.writebehind.queries;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.hibernate.query.NativeQuery;
import org.junit.jupiter.api.Test;

import io.writebehind.queries.OwnWriteEntities.Box;
import io.writebehind.queries.OwnWriteEntities.Note;
import io.writebehind.queries.OwnWriteEntities.Shelf;
import io.writebehind.queries.QueryEntities.Category;
import io.writebehind.queries.QueryEntities.EventualItem;
import io.writebehind.queries.QueryEntities.Item;
import io.writebehind.queries.QueryEntities.PlainItem;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.RollbackException;
import jakarta.persistence.criteria.CriteriaBuilder;
import jakarta.persistence.criteria.CriteriaQuery;
import jakarta.persistence.criteria.Root;

/**
 * Issue 13, point 8: a query sees its own transaction's writes, as with plain Hibernate (whose flush before the query
 * writes them in the transaction). Each test does the same in one transaction to Item (opted in) and PlainItem (plain
 * Hibernate) where it compares results.
 */
class OwnWritesQueryTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Category.class, Item.class, PlainItem.class, EventualItem.class, Shelf.class, Box.class,
				Note.class };
	}

	private void seed(int n) {
		inTransaction( em -> {
			em.persist( new Category( 1L, "tools" ) );
			for ( long id = 1; id <= n; id++ ) {
				em.persist( new Item( id, "item" + id, id, em.getReference( Category.class, 1L ) ) );
				em.persist( new PlainItem( id, "item" + id, id, em.getReference( Category.class, 1L ) ) );
			}
		} );
		writeBehind().flush();
	}

	/** The same change to the Item and the PlainItem of an id. */
	private static void both(EntityManager em, long id, java.util.function.Consumer<Object[]> change) {
		Item item = em.find( Item.class, id );
		PlainItem plain = em.find( PlainItem.class, id );
		Object[] pair = { item, plain };
		change.accept( pair );
	}

	private static void price(EntityManager em, long id, long price) {
		both( em, id, pair -> {
			( (Item) pair[0] ).price = price;
			( (PlainItem) pair[1] ).price = price;
		} );
	}

	private static <T> List<T> list(EntityManager em, String jpql, Class<T> type, Function<String, String> entity) {
		return em.createQuery( entity.apply( jpql ), type ).getResultList();
	}

	/** The query on PlainItem and on Item, in the same transaction: the same answer. */
	private static void sameAnswer(EntityManager em, String jpqlOnX) {
		List<Object> plain = em.createQuery( jpqlOnX.replace( "X", "PlainItem" ), Object.class ).getResultList()
				.stream().map( r -> r instanceof Object[] a ? (Object) List.of( a ) : r ).toList();
		List<Object> wb = em.createQuery( jpqlOnX.replace( "X", "Item" ), Object.class ).getResultList()
				.stream().map( r -> r instanceof Object[] a ? (Object) List.of( a ) : r ).toList();
		assertEquals( plain, wb, jpqlOnX );
	}

	private static long criteriaCount(EntityManager em, Class<?> type, long above) {
		CriteriaBuilder cb = em.getCriteriaBuilder();
		CriteriaQuery<Long> q = cb.createQuery( Long.class );
		Root<?> root = q.from( type );
		q.select( cb.count( root ) ).where( cb.gt( root.get( "price" ), above ) );
		return em.createQuery( q ).getSingleResult();
	}

	private static long nativeCount(EntityManager em, String table, Class<?> entity, String where) {
		NativeQuery<?> query = em.createNativeQuery( "select count(*) from " + table + " where " + where )
				.unwrap( NativeQuery.class );
		if ( entity != null ) {
			query.addSynchronizedEntityClass( entity );
		}
		return ( (Number) query.getSingleResult() ).longValue();
	}

	@Test
	void queriesSeeTheTransactionsOwnInsertsUpdatesAndDeletesAsWithPlainHibernate() {
		seed( 20 );
		inTransaction( em -> {
			for ( long id = 21; id <= 23; id++ ) {
				em.persist( new Item( id, "new" + id, 40 + id, null ) );
				em.persist( new PlainItem( id, "new" + id, 40 + id, null ) );
			}
			price( em, 3, 100 );
			price( em, 4, 0 );
			both( em, 5, pair -> {
				em.remove( pair[0] );
				em.remove( pair[1] );
			} );
			sameAnswer( em, "select count(i) from X i" );
			sameAnswer( em, "select i.id, i.price, i.version from X i where i.price >= 50 or i.price = 0 order by i.id" );
			for ( int first = 0; first < 24; first += 5 ) {
				int from = first;
				Function<String, List<Long>> page = name -> em.createQuery( "select i.id from " + name
						+ " i order by i.price desc, i.id", Long.class ).setFirstResult( from ).setMaxResults( 5 ).getResultList();
				assertEquals( page.apply( "PlainItem" ), page.apply( "Item" ) );
			}
			assertEquals( criteriaCount( em, PlainItem.class, 10 ), criteriaCount( em, Item.class, 10 ) );
			assertEquals( nativeCount( em, "wbq_plain_item", PlainItem.class, "price = 0" ),
					nativeCount( em, "wbq_item", Item.class, "price = 0" ) );
			assertEquals( nativeCount( em, "wbq_plain_item", null, "price > 60" ),
					nativeCount( em, "wbq_item", null, "price > 60" ) );
			// a change after the query is what the next query filters on
			price( em, 3, 7 );
			price( em, 21, 8 );
			sameAnswer( em, "select i.id, i.price, i.version from X i where i.price between 7 and 8 order by i.id" );
			// and changes after the last query are written behind
			price( em, 6, 66 );
		} );
		assertSameAsPlain( 23 );
	}

	/** After a flush, the database and the cache hold for Item what plain Hibernate wrote for PlainItem. */
	private void assertSameAsPlain(long maxId) {
		assertTrue( writeBehind().flush( java.time.Duration.ofMinutes( 2 ) ) );
		assertEquals( 0, writeBehind().stats().conflicts() + writeBehind().stats().failed(), writeBehind().failedWrites().toString() );
		List<List<Object>> plainRows = rows( "wbq_plain_item" );
		assertEquals( plainRows, rows( "wbq_item" ) );
		for ( long id = 1; id <= maxId; id++ ) {
			long i = id;
			List<Object> plain = fromTransaction( em -> {
				PlainItem p = em.find( PlainItem.class, i );
				return p == null ? List.of() : List.of( p.price, p.version );
			} );
			List<Object> cached = fromTransaction( em -> {
				Item p = em.find( Item.class, i );
				return p == null ? List.of() : List.of( p.price, p.version );
			} );
			assertEquals( plain, cached, "id " + id );
		}
	}

	private List<List<Object>> rows(String table) {
		return jdbc( c -> {
			List<List<Object>> rows = new java.util.ArrayList<>();
			try ( var statement = c.prepareStatement( "select id, price, version, name from " + table + " order by id" );
					var result = statement.executeQuery() ) {
				while ( result.next() ) {
					rows.add( List.of( result.getLong( 1 ), result.getLong( 2 ), result.getInt( 3 ), result.getString( 4 ) ) );
				}
			}
			return rows;
		} );
	}

	@Test
	void aRollbackAfterTheQueryUndoesTheWritesAndTheCacheKeepsTheCommittedState() {
		seed( 3 );
		EntityManager em = emf.createEntityManager();
		try {
			em.getTransaction().begin();
			em.find( Item.class, 1L ).price = 50;
			em.persist( new Item( 4L, "new", 4, null ) );
			em.remove( em.find( Item.class, 2L ) );
			assertEquals( 3L, em.createQuery( "select count(i) from Item i", Long.class ).getSingleResult() );
			assertEquals( 50L, em.createQuery( "select i.price from Item i where i.id = 1", Long.class ).getSingleResult() );
			em.getTransaction().rollback();
		}
		finally {
			em.close();
		}
		assertEquals( 0, count( "select count(*) from wbq_item where id = 4" ) );
		assertEquals( 1, count( "select count(*) from wbq_item where id = 2" ) );
		assertEquals( 1, count( "select price from wbq_item where id = 1" ) );
		assertEquals( 0, writeBehind().stats().pending() );
		connections.sql().clear();
		assertEquals( 1, fromTransaction( e -> e.find( Item.class, 1L ) ).price );
		assertEquals( 0, fromTransaction( e -> e.find( Item.class, 1L ) ).version );
		assertNotNull( fromTransaction( e -> e.find( Item.class, 2L ) ) );
		assertEquals( 0, connections.sql().executions( "select", "wbq_item" ), "served from the cache" );
		assertNull( fromTransaction( e -> e.find( Item.class, 4L ) ) );
		// nothing is held: another transaction writes the same ids
		inTransaction( e -> e.find( Item.class, 1L ).price = 60 );
		inTransaction( e -> e.persist( new Item( 4L, "again", 4, null ) ) );
		writeBehind().flush();
		assertEquals( 60, count( "select price from wbq_item where id = 1" ) );
		assertEquals( 1, count( "select count(*) from wbq_item where id = 4" ) );
	}

	@Test
	void writesQueriedAndChangedAgainAreWrittenBehindFromTheRowTheTransactionWrote() {
		seed( 3 );
		inTransaction( em -> {
			Item one = em.find( Item.class, 1L );
			one.price = 10;
			assertEquals( 1L, em.createQuery( "select count(i) from Item i where i.price = 10", Long.class ).getSingleResult() );
			one.price = 20;
			em.persist( new Item( 4L, "new", 4, null ) );
			em.remove( em.find( Item.class, 3L ) );
		} );
		// the state written for the query committed with the transaction; the later changes are pending
		assertEquals( 1, count( "select count(*) from wbq_item where id = 1 and price = 10 and version = 1" ) );
		assertEquals( 3, writeBehind().stats().pending() );
		Item one = fromTransaction( em -> em.find( Item.class, 1L ) );
		assertEquals( 20, one.price );
		assertEquals( 2, one.version );
		assertTrue( writeBehind().flush( java.time.Duration.ofMinutes( 1 ) ) );
		assertEquals( 0, writeBehind().stats().conflicts() + writeBehind().stats().failed(), writeBehind().failedWrites().toString() );
		assertEquals( 1, count( "select count(*) from wbq_item where id = 1 and price = 20 and version = 2" ) );
		assertEquals( 1, count( "select count(*) from wbq_item where id = 4" ) );
		assertEquals( 0, count( "select count(*) from wbq_item where id = 3" ) );
		// inserted for a query, then removed in the same transaction
		inTransaction( em -> {
			em.persist( new Item( 5L, "brief", 5, null ) );
			assertEquals( 1L, em.createQuery( "select count(i) from Item i where i.id = 5", Long.class ).getSingleResult() );
			em.remove( em.find( Item.class, 5L ) );
		} );
		assertNull( fromTransaction( em -> em.find( Item.class, 5L ) ) );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wbq_item where id = 5" ) );
		assertEquals( 0, writeBehind().stats().conflicts() + writeBehind().stats().failed() );
	}

	@Test
	void writesQueriedLastArePublishedAsWrittenAndServedFromTheCache() {
		seed( 2 );
		inTransaction( em -> {
			em.find( Item.class, 1L ).price = 11;
			em.persist( new Item( 3L, "new", 3, null ) );
			assertEquals( 3L, em.createQuery( "select count(i) from Item i", Long.class ).getSingleResult() );
		} );
		assertEquals( 0, writeBehind().stats().pending(), "nothing queued: the transaction wrote them" );
		assertEquals( 1, count( "select count(*) from wbq_item where id = 1 and price = 11 and version = 1" ) );
		connections.sql().clear();
		Item one = fromTransaction( em -> em.find( Item.class, 1L ) );
		assertEquals( 11, one.price );
		assertEquals( 1, one.version );
		assertNotNull( fromTransaction( em -> em.find( Item.class, 3L ) ) );
		assertEquals( 0, connections.sql().executions( "select", "wbq_item" ), "clean cache entries" );
		// the next transaction's update is checked against the version written
		inTransaction( em -> em.find( Item.class, 1L ).price = 12 );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wbq_item where id = 1 and price = 12 and version = 2" ) );
		assertEquals( 0, writeBehind().stats().conflicts() + writeBehind().stats().failed() );
	}

	@Test
	void transactionsThatDoNotQueryTheirWritesKeepTheWriteBehindPath() {
		seed( 2 );
		connections.sql().clear();
		inTransaction( em -> {
			em.find( Item.class, 1L ).price = 9;
			em.persist( new Item( 3L, "new", 3, null ) );
			// a query of another table, and one of an EVENTUAL entity: nothing of Item is written
			assertEquals( 1L, em.createQuery( "select count(c) from Category c", Long.class ).getSingleResult() );
			em.persist( new EventualItem( 1L, "e" ) );
			assertEquals( 0L, em.createQuery( "select count(e) from EventualItem e", Long.class ).getSingleResult() );
		} );
		assertEquals( 0, connections.sql().touching( "wbq_item" ), connections.sql().toString() );
		assertEquals( 0, connections.sql().executions( "insert", "wbq_eventual" ) );
		assertEquals( 3, writeBehind().stats().pending() );
	}

	@Test
	void ownWritesOfSeveralEntitiesAreWrittenInForeignKeyOrder() {
		inTransaction( em -> {
			Shelf shelf = new Shelf( 1L, "top" );
			em.persist( shelf );
			em.persist( new Box( 1L, 5, shelf ) );
			em.persist( new Box( 2L, 6, shelf ) );
			// the query reads only the boxes: the shelf they reference is written first
			assertEquals( 11L, em.createQuery( "select sum(b.weight) from Box b", Long.class ).getSingleResult() );
		} );
		assertEquals( 1, count( "select count(*) from wbq_shelf" ) );
		// a shelf committed before (still pending), and a new box on it
		inTransaction( em -> em.persist( new Shelf( 2L, "bottom" ) ) );
		inTransaction( em -> {
			em.persist( new Box( 3L, 7, em.find( Shelf.class, 2L ) ) );
			assertEquals( 3L, em.createQuery( "select count(b) from Box b", Long.class ).getSingleResult() );
		} );
		// removing boxes and their shelf: the boxes go first
		inTransaction( em -> {
			em.remove( em.find( Box.class, 1L ) );
			em.remove( em.find( Box.class, 2L ) );
			em.remove( em.find( Shelf.class, 1L ) );
			assertEquals( 1L, em.createQuery( "select count(s) from Shelf s", Long.class ).getSingleResult() );
			assertEquals( 1L, em.createQuery( "select count(b) from Box b", Long.class ).getSingleResult() );
		} );
		assertTrue( writeBehind().flush( java.time.Duration.ofMinutes( 1 ) ) );
		assertEquals( List.of(), writeBehind().failedWrites() );
		assertEquals( 1, count( "select count(*) from wbq_shelf" ) );
		assertEquals( 1, count( "select count(*) from wbq_box where id = 3 and shelf_id = 2" ) );
	}

	/**
	 * A transaction holds a row it wrote for a query; another transaction then commits a write referencing that row,
	 * and the first one queries again. Where the database lets the flusher's foreign-key check pass the lock (H2,
	 * PostgreSQL) the query sees it; where the check waits for the lock (MariaDB's InnoDB) the query fails at
	 * read_flush_timeout_ms with a message saying why. Either way, nothing is lost once the first transaction ends.
	 */
	@Test
	void aPendingWriteWaitingForARowTheTransactionWroteIsExplainedAndNotLost() {
		EntityManagerFactory quick = buildFactory( connections, Map.of( WriteBehindSettings.READ_FLUSH_TIMEOUT_MS, "1500",
				"hibernate.hbm2ddl.auto", "none" ) );
		try {
			inTransaction( quick, em -> em.persist( new Shelf( 1L, "shelf" ) ) );
			WriteBehind.of( quick ).flush();
			EntityManager first = quick.createEntityManager();
			try {
				first.getTransaction().begin();
				first.find( Shelf.class, 1L ).name = "renamed";
				assertEquals( 1L, first.createQuery( "select count(s) from Shelf s", Long.class ).getSingleResult() );
				inTransaction( quick, em -> em.persist( new Box( 1L, 1, em.find( Shelf.class, 1L ) ) ) );
				try {
					assertEquals( 1L, first.createQuery( "select count(b) from Box b", Long.class ).getSingleResult() );
				}
				catch (PersistenceException waited) {
					assertTrue( waited.getMessage().contains( "holds rows it wrote for an earlier query" ), waited.getMessage() );
				}
				if ( first.getTransaction().isActive() && !first.getTransaction().getRollbackOnly() ) {
					first.getTransaction().commit();
				}
				else if ( first.getTransaction().isActive() ) {
					first.getTransaction().rollback();
				}
			}
			finally {
				first.close();
			}
			assertTrue( WriteBehind.of( quick ).flush( java.time.Duration.ofMinutes( 2 ) ) );
			assertEquals( List.of(), WriteBehind.of( quick ).failedWrites() );
			assertEquals( 1, count( "select count(*) from wbq_box where id = 1 and shelf_id = 1" ) );
		}
		finally {
			quick.close();
		}
	}

	@Test
	void earlierPendingWritesOfTheSameIdReachTheDatabaseFirst() {
		seed( 1 );
		inTransaction( em -> em.find( Item.class, 1L ).price = 5 );
		assertEquals( 1, writeBehind().stats().pending() );
		inTransaction( em -> {
			Item item = em.find( Item.class, 1L );
			assertEquals( 1, item.version );
			item.price = 6;
			assertEquals( 6L, em.createQuery( "select i.price from Item i where i.id = 1", Long.class ).getSingleResult() );
		} );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wbq_item where id = 1 and price = 6 and version = 2" ) );
		assertEquals( 0, writeBehind().stats().conflicts() + writeBehind().stats().failed() );
	}

	@Test
	void theWriteForTheQueryChecksTheVersionAsHibernatesUpdateWould() {
		seed( 1 );
		EntityManager first = emf.createEntityManager();
		try {
			first.getTransaction().begin();
			Item stale = first.find( Item.class, 1L );
			inTransaction( em -> em.find( Item.class, 1L ).price = 9 );
			stale.price = 7;
			// as Hibernate's own flush before the query: the JPA exception of a stale version
			assertThrows( OptimisticLockException.class,
					() -> first.createQuery( "select count(i) from Item i", Long.class ).getSingleResult() );
			if ( first.getTransaction().isActive() ) {
				first.getTransaction().rollback();
			}
		}
		finally {
			first.close();
		}
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wbq_item where id = 1 and price = 9 and version = 1" ) );
		assertEquals( 9, fromTransaction( em -> em.find( Item.class, 1L ) ).price );
	}

	@Test
	void anIdWrittenForAQueryIsHeldUntilItsTransactionEnds() {
		seed( 1 );
		EntityManager first = emf.createEntityManager();
		try {
			first.getTransaction().begin();
			first.find( Item.class, 1L ).price = 30;
			assertEquals( 30L, first.createQuery( "select i.price from Item i where i.id = 1", Long.class ).getSingleResult() );
			// another transaction based on the same version: its write would wait for this transaction's row
			EntityManager second = emf.createEntityManager();
			try {
				second.getTransaction().begin();
				second.find( Item.class, 1L ).price = 40;
				RollbackException refused = assertThrows( RollbackException.class, () -> second.getTransaction().commit() );
				assertTrue( hasCause( refused, OptimisticLockException.class ), refused.toString() );
			}
			finally {
				second.close();
			}
			first.getTransaction().commit();
		}
		finally {
			first.close();
		}
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wbq_item where id = 1 and price = 30 and version = 1" ) );
		assertEquals( 0, writeBehind().stats().conflicts() + writeBehind().stats().failed() );
	}

	@Test
	void anUnversionedEntityWrittenForAQueryIsHeldToo() {
		inTransaction( em -> em.persist( new Note( 1L, "first" ) ) );
		writeBehind().flush();
		EntityManager first = emf.createEntityManager();
		try {
			first.getTransaction().begin();
			first.find( Note.class, 1L ).text = "mine";
			assertEquals( "mine", first.createQuery( "select n.text from Note n where n.id = 1", String.class ).getSingleResult() );
			// a last-write-wins update would otherwise be queued behind the row this transaction locks
			RollbackException refused = assertThrows( RollbackException.class,
					() -> inTransaction( em -> em.find( Note.class, 1L ).text = "other" ) );
			assertTrue( hasCause( refused, OptimisticLockException.class ), refused.toString() );
			first.getTransaction().commit();
		}
		finally {
			first.close();
		}
		assertEquals( 0, writeBehind().stats().pending() );
		assertEquals( 1, count( "select count(*) from wbq_note where id = 1 and text = 'mine'" ) );
		inTransaction( em -> em.find( Note.class, 1L ).text = "later" );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wbq_note where id = 1 and text = 'later'" ) );
		assertEquals( "later", fromTransaction( em -> em.find( Note.class, 1L ) ).text );
	}

	@Test
	void aBulkStatementAfterOwnWritesChangesThemAndTheCacheForgetsTheStateWritten() {
		seed( 1 );
		inTransaction( em -> {
			em.persist( new Item( 2L, "new", 3, null ) );
			em.find( Item.class, 1L ).price = 4;
			assertEquals( 2, em.createQuery( "update Item i set i.price = i.price * 2" ).executeUpdate() );
		} );
		assertEquals( 6, fromTransaction( em -> em.find( Item.class, 2L ) ).price );
		assertEquals( 8, fromTransaction( em -> em.find( Item.class, 1L ) ).price );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wbq_item where id = 2 and price = 6" ) );
		assertEquals( 0, writeBehind().stats().conflicts() + writeBehind().stats().failed() );
	}

	static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
		for ( Throwable t = failure; t != null; t = t.getCause() ) {
			if ( type.isInstance( t ) ) {
				return true;
			}
		}
		return false;
	}
}
