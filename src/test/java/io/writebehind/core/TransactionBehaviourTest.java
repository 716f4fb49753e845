package io.writebehind.core;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import io.writebehind.model.Counter;
import io.writebehind.model.Note;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.RollbackException;

/** Core points 1 and 2: no SQL for opted-in entities, only committed writes are queued, dirty checking is captured. */
class TransactionBehaviourTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class, Note.class };
	}

	@Test
	void writesToOptedInEntitiesIssueNoSqlWhileOthersAreWrittenAtOnce() {
		inTransaction( em -> {
			em.persist( new Counter( 1L, "a", 1 ) );
			em.persist( new Note( 1L, "written now" ) );
		} );
		inTransaction( em -> em.merge( new Counter( 2L, "merged new", 2 ) ) );
		inTransaction( em -> {
			Counter c = em.find( Counter.class, 1L );
			c.setName( "changed" );
			em.merge( c );
			em.find( Note.class, 1L ).setText( "changed too" );
		} );
		inTransaction( em -> em.remove( em.find( Counter.class, 2L ) ) );
		// the only statement on wb_counter: merge of an id the cache did not know must ask the database
		assertEquals( 0, connections.sql().executions( e -> e.touches( "wb_counter" ) && !e.is( "select" ) ),
				connections.sql().toString() );
		assertEquals( 1, connections.sql().executions( "select", "wb_counter" ), connections.sql().toString() );
		assertEquals( 1, connections.sql().executions( "insert", "wb_note" ) );
		assertEquals( 1, connections.sql().executions( "update", "wb_note" ) );
		assertEquals( "changed too", fromTransaction( em -> em.find( Note.class, 1L ) ).getText() );
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
		assertEquals( 1, count( "select count(*) from wb_counter where name = 'changed' and version = 1" ) );
	}

	@Test
	void aTransactionOnCachedEntitiesNeedsNoConnection() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 0 ) ) );
		int before = connections.acquired();
		for ( int i = 0; i < 10; i++ ) {
			inTransaction( em -> em.find( Counter.class, 1L ).increment() );
			inTransaction( em -> em.persist( new Counter( 100L + em.hashCode(), "new", 0 ) ) );
		}
		assertEquals( before, connections.acquired(), "connections acquired by transactions on cached entities" );
	}

	@Test
	void commitsKeepWorkingWhileTheDatabaseIsDown() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 0 ) ) );
		writeBehind().flush();
		connections.down( true );
		try {
			for ( int i = 0; i < 5; i++ ) {
				inTransaction( em -> em.find( Counter.class, 1L ).increment() );
			}
			assertEquals( 5, fromTransaction( em -> em.find( Counter.class, 1L ) ).getTotal() );
			assertFalse( writeBehind().flush( java.time.Duration.ofMillis( 300 ) ) );
		}
		finally {
			connections.down( false );
		}
		writeBehind().flush();
		assertEquals( 5, count( "select total from wb_counter where id = 1" ) );
	}

	@Test
	void rollbackLeavesNoTrace() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 10 ) ) );
		EntityManager em = emf.createEntityManager();
		em.getTransaction().begin();
		em.persist( new Counter( 2L, "b", 0 ) );
		em.find( Counter.class, 1L ).setTotal( 99 );
		em.remove( em.find( Counter.class, 1L ) );
		em.flush();
		em.getTransaction().rollback();
		em.close();
		assertNull( fromTransaction( e -> e.find( Counter.class, 2L ) ) );
		assertEquals( 10, fromTransaction( e -> e.find( Counter.class, 1L ) ).getTotal() );
		assertEquals( 1, writeBehind().stats().pending() );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
		assertEquals( 10, count( "select total from wb_counter where id = 1" ) );
	}

	@Test
	void changesAfterPersistAndFindAreCapturedByDirtyChecking() {
		inTransaction( em -> {
			Counter c = new Counter( 1L, "a", 1 );
			em.persist( c );
			em.flush();
			c.setTotal( 2 );
			em.flush();
			c.setName( "after flush" );
		} );
		assertEquals( "after flush", fromTransaction( em -> em.find( Counter.class, 1L ) ).getName() );
		inTransaction( em -> em.find( Counter.class, 1L ).setTotal( 3 ) );
		Counter c = fromTransaction( em -> em.find( Counter.class, 1L ) );
		assertEquals( 3, c.getTotal() );
		assertEquals( "after flush", c.getName() );
		writeBehind().flush();
		assertEquals( 3, count( "select total from wb_counter where id = 1 and name = 'after flush'" ) );
	}

	@Test
	void staleReadModifyWriteFailsAtCommitLikePlainHibernate() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 0 ) ) );
		EntityManager first = emf.createEntityManager();
		EntityManager second = emf.createEntityManager();
		first.getTransaction().begin();
		second.getTransaction().begin();
		first.find( Counter.class, 1L ).increment();
		second.find( Counter.class, 1L ).increment();
		first.getTransaction().commit();
		RollbackException failure = assertThrows( RollbackException.class, () -> second.getTransaction().commit() );
		assertInstanceOf( OptimisticLockException.class, failure.getCause(), failure.toString() );
		assertFalse( second.getTransaction().isActive() );
		first.close();
		second.close();
		assertEquals( 1, fromTransaction( em -> em.find( Counter.class, 1L ) ).getTotal() );
		assertEquals( 1, fromTransaction( em -> em.find( Counter.class, 1L ) ).getVersion() );
		// the failed transaction released its reservation: the next one goes through
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		writeBehind().flush();
		assertEquals( 2, count( "select total from wb_counter where id = 1" ) );
	}

	@Test
	void mergeOfAStaleDetachedEntityFails() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 0 ) ) );
		Counter detached = fromTransaction( em -> em.find( Counter.class, 1L ) );
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		detached.setName( "stale" );
		RuntimeException failure = assertThrows( RuntimeException.class, () -> inTransaction( em -> em.merge( detached ) ) );
		assertTrue( hasCause( failure, OptimisticLockException.class ), failure.toString() );
	}

	@Test
	void persistingAnIdThatExistsFailsAtCommit() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 0 ) ) );
		RuntimeException failure = assertThrows( RuntimeException.class,
				() -> inTransaction( em -> em.persist( new Counter( 1L, "again", 0 ) ) ) );
		assertTrue( hasCause( failure, org.hibernate.exception.ConstraintViolationException.class ), failure.toString() );
		assertEquals( "a", fromTransaction( em -> em.find( Counter.class, 1L ) ).getName() );
	}

	@Test
	void aTransactionReadsItsOwnFlushedWritesAfterTheyLeftTheSession() {
		inTransaction( em -> {
			em.persist( new Counter( 1L, "a", 1 ) );
			em.persist( new Counter( 2L, "b", 2 ) );
		} );
		inTransaction( em -> {
			em.remove( em.find( Counter.class, 1L ) );
			em.find( Counter.class, 2L ).setTotal( 20 );
			em.flush();
			em.clear();
			assertNull( em.find( Counter.class, 1L ), "removed by this transaction" );
			assertEquals( 20, em.find( Counter.class, 2L ).getTotal(), "changed by this transaction" );
		} );
		assertNull( fromTransaction( em -> em.find( Counter.class, 1L ) ) );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wb_counter where id = 1" ) );
		assertEquals( 20, count( "select total from wb_counter where id = 2" ) );
	}

	/**
	 * A transaction's buffer finds an id's write by walking its list up to a few writes and through an index beyond:
	 * with 1 to 40 ids per transaction (both sides of that bound), every id written several times and read back after
	 * the session was cleared, a commit publishes each id's latest state once and a rollback leaves none of them.
	 */
	@Test
	void manyIdsInOneTransactionEachCoalescedReadBackAndRolledBack() {
		long base = 1_000;
		long kept = 0;
		for ( int n = 1; n <= 40; n += 3 ) {
			kept += n / 2;
			long first = base;
			int ids = n;
			inTransaction( em -> {
				for ( long id = first; id < first + ids; id++ ) {
					em.persist( new Counter( id, "new", 0 ) );
				}
				em.flush();
				for ( long id = first; id < first + ids; id++ ) {
					em.find( Counter.class, id ).setTotal( id );
				}
				em.flush();
				em.clear();
				for ( long id = first + ids - 1; id >= first; id-- ) {
					Counter c = em.find( Counter.class, id );
					assertEquals( id, c.getTotal(), "own write of " + id + " of " + ids );
					if ( id % 2 == 0 ) {
						em.remove( c );
					}
				}
			} );
			RuntimeException rollback = assertThrows( RuntimeException.class, () -> inTransaction( em -> {
				for ( long id = first; id < first + ids; id++ ) {
					Counter c = em.find( Counter.class, id );
					if ( c != null ) {
						c.setName( "rolled back" );
					}
					else {
						em.persist( new Counter( id, "rolled back", -1 ) );
					}
				}
				em.flush();
				throw new IllegalStateException( "roll back" );
			} ) );
			assertEquals( "roll back", rollback.getMessage() );
			for ( long id = first; id < first + ids; id++ ) {
				long expected = id;
				Counter c = fromTransaction( em -> em.find( Counter.class, expected ) );
				if ( id % 2 == 0 ) {
					assertNull( c, "removed " + id );
				}
				else {
					assertEquals( id, c.getTotal() );
					assertEquals( "new", c.getName() );
					assertEquals( 1, c.getVersion(), "inserted, then updated by the same transaction: " + id );
				}
			}
			base += 100;
		}
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wb_counter where name <> 'new' or mod(id, 2) = 0" ) );
		assertEquals( count( "select count(*) from wb_counter" ),
				count( "select count(*) from wb_counter where total = id and version = 1" ) );
		assertEquals( kept, count( "select count(*) from wb_counter" ) );
	}

	static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			if ( type.isInstance( t ) ) {
				return true;
			}
		}
		return false;
	}
}
