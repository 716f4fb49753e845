package io.writebehind.queries;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.hibernate.StaleStateException;
import org.junit.jupiter.api.Test;

import io.writebehind.queries.QueryEntities.Category;
import io.writebehind.queries.QueryEntities.EventualItem;
import io.writebehind.queries.QueryEntities.Item;
import io.writebehind.queries.QueryEntities.PlainItem;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.OptimisticLockException;

/**
 * Issue 13, point 8, under concurrency: many threads run read-modify-write transactions on a few shared ids that query
 * their own writes (some commit, some roll back, some change the id again after the query), while the flusher writes
 * other transactions' commits. Every query sees its own transaction's state; at the end the database and the cache
 * hold exactly the committed increments, nothing conflicts and nothing fails.
 */
class OwnWritesConcurrencyTest extends WriteBehindTestBase {

	private static final int THREADS = 6;
	private static final int ITERATIONS = 60;
	private static final int IDS = 4;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Category.class, Item.class, PlainItem.class, EventualItem.class };
	}

	private static boolean isOptimisticFailure(Throwable e) {
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			if ( t instanceof OptimisticLockException || t instanceof StaleStateException ) {
				return true;
			}
		}
		return false;
	}

	@Test
	void concurrentTransactionsQueryingTheirOwnWritesOnSharedIds() throws Exception {
		inTransaction( em -> {
			for ( long id = 1; id <= IDS; id++ ) {
				em.persist( new Item( id, "shared", 0, null ) );
			}
		} );
		writeBehind().flush();
		long seed = System.nanoTime();
		AtomicLongArray committed = new AtomicLongArray( IDS + 1 );
		long[] ownInserts = new long[THREADS]; // each thread its own slot, read after the threads ended
		AtomicLong refused = new AtomicLong();
		ConcurrentLinkedQueue<Throwable> problems = new ConcurrentLinkedQueue<>();
		CountDownLatch start = new CountDownLatch( 1 );
		ExecutorService pool = Executors.newFixedThreadPool( THREADS );
		List<Future<?>> futures = new ArrayList<>();
		for ( int t = 0; t < THREADS; t++ ) {
			int thread = t;
			futures.add( pool.submit( () -> {
				Random random = new Random( seed + thread );
				start.await();
				for ( int i = 0; i < ITERATIONS; i++ ) {
					long id = 1 + random.nextInt( IDS );
					// 0: roll back after the query; 1: change again after it, query, and change back; else commit
					int kind = random.nextInt( 4 );
					EntityManager em = emf.createEntityManager();
					EntityTransaction tx = em.getTransaction();
					try {
						tx.begin();
						Item item = em.find( Item.class, id );
						long expected = item.price + 1;
						item.price = expected;
						em.persist( new Item( 1000L * ( thread + 1 ) + i, "t" + thread, 1, null ) );
						expect( problems, thread, i, "own price", expected, price( em, id ) );
						expect( problems, thread, i, "own inserts", ownInserts[thread] + 1, em.createQuery(
								"select count(i) from Item i where i.name = :name", Long.class )
								.setParameter( "name", "t" + thread ).getSingleResult() );
						if ( kind == 0 ) {
							tx.rollback();
							continue;
						}
						if ( kind == 1 ) {
							item.price += 10;
							expect( problems, thread, i, "price changed again", expected + 10, price( em, id ) );
							item.price -= 10; // written behind, from the row written for the query
						}
						tx.commit();
						committed.incrementAndGet( (int) id );
						ownInserts[thread]++;
					}
					catch (RuntimeException e) {
						if ( tx.isActive() ) {
							tx.rollback();
						}
						if ( isOptimisticFailure( e ) ) {
							refused.incrementAndGet();
						}
						else {
							problems.add( e );
						}
					}
					finally {
						em.close();
					}
				}
				return null;
			} ) );
		}
		start.countDown();
		for ( Future<?> future : futures ) {
			future.get( 10, TimeUnit.MINUTES );
		}
		pool.shutdown();
		assertEquals( List.of(), new ArrayList<>( problems ) );
		assertTrue( writeBehind().flush( java.time.Duration.ofMinutes( 2 ) ) );
		assertEquals( List.of(), writeBehind().failedWrites() );
		assertEquals( 0, writeBehind().stats().conflicts() );
		long total = 0;
		for ( int id = 1; id <= IDS; id++ ) {
			long key = id;
			total += committed.get( id );
			assertEquals( committed.get( id ), count( "select price from wbq_item where id = ?", key ), "id " + id );
			Item cached = fromTransaction( em -> em.find( Item.class, key ) );
			assertEquals( committed.get( id ), cached.price, "cache, id " + id );
			assertEquals( cached.version, count( "select version from wbq_item where id = ?", key ), "version, id " + id );
		}
		for ( int t = 0; t < THREADS; t++ ) {
			assertEquals( ownInserts[t], count( "select count(*) from wbq_item where name = ?", "t" + t ) );
		}
		assertEquals( total, count( "select count(*) from wbq_item where id > ?", (long) IDS ) );
		System.out.printf( "OwnWritesConcurrencyTest: %d committed, %d refused (optimistic), of %d%n", total,
				refused.get(), THREADS * ITERATIONS );
	}

	private static long price(EntityManager em, long id) {
		return em.createQuery( "select i.price from Item i where i.id = :id", Long.class ).setParameter( "id", id )
				.getSingleResult();
	}

	private static void expect(ConcurrentLinkedQueue<Throwable> problems, int thread, int iteration, String what,
			long expected, long seen) {
		if ( expected != seen ) {
			problems.add( new AssertionError( "thread " + thread + ", iteration " + iteration + ": " + what + " "
					+ seen + ", expected " + expected ) );
		}
	}
}
