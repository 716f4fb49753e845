package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.model.Note;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityTransaction;

/**
 * Issue point 3: transactions that roll back (explicitly, by an exception, by setRollbackOnly, by failing the
 * optimistic check at commit, or by a database commit that fails after write-behind prepared them) never leave a trace
 * in the cache, the queue or the database, while other threads commit increments to the same ids. Every rolled-back
 * transaction writes the marker name "ROLLED-BACK", a removal of another hot id, and a "ghost" id that nobody commits.
 */
class RollbackConcurrencyTest extends ConcurrencyTestBase {

	private static final int THREADS = 6;
	private static final int ITERATIONS = 300;
	private static final int HOT_IDS = 5;
	private static final long GHOST_BASE = 1_000_000;
	private static final String MARKER = "ROLLED-BACK";

	private final AtomicLong ghosts = new AtomicLong( GHOST_BASE );

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class, Note.class };
	}

	/** Whether the flusher writes while the transactions run: the settings the factory is reopened with. */
	enum Flushing {
		/** max_delay is 10 minutes (the test base's): the queue holds every accepted write until the final flush. */
		QUEUE_HELD_UNTIL_THE_END( false, Map.of() ),
		/** Every millisecond or 4 writes. */
		FLUSHER_RUNNING( true, Map.of( WriteBehindSettings.MAX_DELAY_MS, "1", WriteBehindSettings.FLUSH_THRESHOLD, "4", WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "4" ) );

		final boolean flusherRunning;
		final Map<String, Object> settings;

		Flushing(boolean flusherRunning, Map<String, Object> settings) {
			this.flusherRunning = flusherRunning;
			this.settings = settings;
		}
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource
	void rolledBackTransactionsLeaveNoTraceWhileOthersCommit(Flushing flushing) {
		if ( !flushing.settings.isEmpty() ) {
			reopen( flushing.settings );
		}
		rollbacksWhileOthersCommit( flushing.flusherRunning );
	}

	private void rollbacksWhileOthersCommit(boolean flusherRunning) {
		long seed = baseSeed();
		String context = "seed " + seed + ( flusherRunning ? ", flusher running" : ", queue held" );
		inTransaction( em -> {
			for ( long id = 1; id <= HOT_IDS; id++ ) {
				em.persist( new Counter( id, "hot", 0 ) );
			}
		} );
		AtomicLongArray committed = new AtomicLongArray( HOT_IDS + 1 );
		LongAdder[] outcomes = { new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder() };
		runConcurrently( "rollback", THREADS, Duration.ofSeconds( 120 ), t -> {
			Random random = new Random( seed * 31 + t );
			for ( int i = 0; i < ITERATIONS; i++ ) {
				long id = 1 + random.nextInt( HOT_IDS );
				int kind = random.nextInt( 5 );
				outcomes[kind].increment();
				switch ( kind ) {
					case 0 -> {
						retryUntilCommitted( em -> em.find( Counter.class, id ).increment() );
						committed.incrementAndGet( (int) id );
					}
					case 1 -> {
						// explicit rollback, after the writes were captured by a flush
						EntityManager em = emf.createEntityManager();
						try {
							em.getTransaction().begin();
							writeTraces( em, id, random );
							em.flush();
							em.getTransaction().rollback();
						}
						finally {
							em.close();
						}
					}
					case 2 -> {
						// rolled back by an exception thrown by the application inside the transaction
						IllegalStateException thrown = assertThrows( IllegalStateException.class, () -> transaction( em -> {
							writeTraces( em, id, random );
							if ( random.nextBoolean() ) {
								em.flush();
							}
							throw new IllegalStateException( "the application gives up" );
						} ) );
						assertEquals( "the application gives up", thrown.getMessage() );
					}
					case 3 -> {
						// marked rollback-only: commit() rolls back (Hibernate throws only in JPA-compliance mode)
						EntityManager em = emf.createEntityManager();
						try {
							EntityTransaction tx = em.getTransaction();
							tx.begin();
							writeTraces( em, id, random );
							if ( random.nextBoolean() ) {
								em.flush();
							}
							tx.setRollbackOnly();
							try {
								tx.commit();
							}
							catch (RuntimeException acceptable) {
								// RollbackException in JPA-compliance mode
							}
							assertFalse( tx.isActive() );
						}
						finally {
							em.close();
						}
					}
					default -> {
						// fails the optimistic check at commit: another transaction of this thread commits the same id
						// between the read and the commit; the ghost persisted with it must not be published
						EntityManager em = emf.createEntityManager();
						try {
							EntityTransaction tx = em.getTransaction();
							tx.begin();
							writeTraces( em, id, random );
							retryUntilCommitted( other -> other.find( Counter.class, id ).increment() );
							committed.incrementAndGet( (int) id );
							RuntimeException failure = assertThrows( RuntimeException.class, tx::commit );
							assertTrue( isOptimisticFailure( failure ), failure.toString() );
						}
						finally {
							em.close();
						}
					}
				}
			}
		} );

		long ghostCount = ghosts.get() - GHOST_BASE;
		if ( !flusherRunning ) {
			// the queue holds exactly the hot ids: no ghost, no removal was ever queued
			assertEquals( HOT_IDS, writeBehind().stats().pending(), context + ": " + writeBehind().stats() );
		}
		assertCommittedStateOnly( committed, ghostCount, context + ", before the final flush" );
		writeBehind().flush();
		assertCommittedStateOnly( committed, ghostCount, context + ", after the final flush" );
		Map<Long, long[]> rows = counterRows( 1, Long.MAX_VALUE );
		assertEquals( HOT_IDS, rows.size(), context + ": rows in the database " + rows.keySet() );
		for ( long id = 1; id <= HOT_IDS; id++ ) {
			assertEquals( committed.get( (int) id ), rows.get( id )[0], context + ": total of " + id + " in the database" );
			assertEquals( committed.get( (int) id ), rows.get( id )[1], context + ": version of " + id + " in the database" );
		}
		assertEquals( 0, count( "select count(*) from wb_counter where name = ?", MARKER ), context );
		assertNoConflictsOrFailures( context );
		assertEquals( 0, writeBehind().stats().pending(), context );
		// no reservation was left behind: uncontended writes to every id succeed at once
		for ( long id = 1; id <= HOT_IDS; id++ ) {
			long key = id;
			assertEquals( 0, retryUntilCommitted( em -> em.find( Counter.class, key ).increment() ), context );
		}
		for ( long ghost = GHOST_BASE + 1; ghost <= GHOST_BASE + Math.min( ghostCount, 50 ); ghost++ ) {
			long key = ghost;
			inTransaction( em -> em.persist( new Counter( key, "ghost persisted at last", 0 ) ) );
		}
		System.out.printf( "%s (%s): outcomes commit/rollback/exception/rollback-only/stale %d/%d/%d/%d/%d, %s%n",
				getClass().getSimpleName(), context, outcomes[0].sum(), outcomes[1].sum(), outcomes[2].sum(),
				outcomes[3].sum(), outcomes[4].sum(), writeBehind().stats() );
	}

	/** What a rolled-back transaction writes: the marker on a hot id, a ghost id, and the removal of another hot id. */
	private void writeTraces(EntityManager em, long id, Random random) {
		Counter counter = em.find( Counter.class, id );
		counter.setName( MARKER );
		counter.setTotal( counter.getTotal() + 1000 );
		em.persist( new Counter( ghosts.incrementAndGet(), MARKER, 1 ) );
		long other = 1 + random.nextInt( HOT_IDS );
		if ( other != id ) {
			em.remove( em.find( Counter.class, other ) );
		}
	}

	/** Reads through JPA show exactly the committed increments, no marker, no ghost, no removal. */
	private void assertCommittedStateOnly(AtomicLongArray committed, long ghostCount, String context) {
		for ( long id = 1; id <= HOT_IDS; id++ ) {
			long key = id;
			Counter counter = fromTransaction( em -> em.find( Counter.class, key ) );
			assertNotNull( counter, context + ": hot id " + id + " was removed" );
			assertEquals( "hot", counter.getName(), context );
			assertEquals( committed.get( (int) id ), counter.getTotal(), context + ": total of " + id );
			assertEquals( committed.get( (int) id ), counter.getVersion(), context + ": version of " + id );
		}
		for ( long ghost = GHOST_BASE + 1; ghost <= GHOST_BASE + ghostCount; ghost++ ) {
			long key = ghost;
			assertNull( fromTransaction( em -> em.find( Counter.class, key ) ), context + ": ghost " + ghost );
		}
	}

	/**
	 * A transaction passes write-behind's check at commit (its writes are prepared: ids reserved, room taken), then the
	 * database commit fails (the transaction also wrote an ordinary entity, so it holds a connection). Nothing of it
	 * may be published, and its reservations and room must be released, while other threads keep committing.
	 */
	@Test
	void aTransactionWhoseDatabaseCommitFailsLeavesNoTrace() {
		reopen( Map.of( WriteBehindSettings.MAX_DELAY_MS, "1", WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "5",
				WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "20" ) );
		long own = HOT_IDS + 1;
		inTransaction( em -> {
			for ( long id = 1; id <= own; id++ ) {
				em.persist( new Counter( id, "hot", 0 ) );
			}
		} );
		writeBehind().flush();
		AtomicLongArray committed = new AtomicLongArray( HOT_IDS + 1 );
		AtomicBoolean stop = new AtomicBoolean();
		Thread[] writers = new Thread[2];
		Set<Throwable> writerFailures = ConcurrentHashMap.newKeySet();
		for ( int w = 0; w < writers.length; w++ ) {
			long seed = w;
			writers[w] = new Thread( () -> {
				Random random = new Random( seed );
				try {
					while ( !stop.get() ) {
						long id = 1 + random.nextInt( HOT_IDS );
						retryUntilCommitted( em -> em.find( Counter.class, id ).increment() );
						committed.incrementAndGet( (int) id );
					}
				}
				catch (Throwable e) {
					writerFailures.add( e );
				}
			}, "writer-" + w );
			writers[w].start();
		}
		try {
			for ( int i = 0; i < 20; i++ ) {
				long ghost = ghosts.incrementAndGet();
				long note = i;
				EntityManager em = emf.createEntityManager();
				try {
					em.getTransaction().begin();
					em.find( Counter.class, own ).setName( MARKER );
					em.persist( new Counter( ghost, MARKER, 1 ) );
					em.persist( new Note( note, MARKER ) );
					em.flush(); // the note's INSERT runs now, on the transaction's connection
					connections.down( true );
					RuntimeException failure = assertThrows( RuntimeException.class, () -> em.getTransaction().commit() );
					assertFalse( isOptimisticFailure( failure ), failure.toString() );
				}
				finally {
					connections.down( false );
					em.close();
				}
				assertNull( fromTransaction( e -> e.find( Counter.class, ghost ) ), "ghost " + ghost );
				assertEquals( "hot", fromTransaction( e -> e.find( Counter.class, own ) ).getName() );
				// reservations released: the same ids can be written at once
				inTransaction( e -> e.find( Counter.class, own ).setName( "hot" ) );
			}
		}
		finally {
			stop.set( true );
			for ( Thread writer : writers ) {
				try {
					writer.join( 30_000 );
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			}
		}
		assertTrue( writerFailures.isEmpty(), writerFailures.toString() );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wb_note" ) );
		assertEquals( 0, count( "select count(*) from wb_counter where id > ? or name = ?", own, MARKER ) );
		Map<Long, long[]> rows = counterRows( 1, HOT_IDS );
		for ( long id = 1; id <= HOT_IDS; id++ ) {
			assertEquals( committed.get( (int) id ), rows.get( id )[0], "total of " + id );
		}
		// the own id was renamed 20 times ("hot" -> "hot" is no change, so no version): it is untouched
		assertEquals( 0, count( "select version from wb_counter where id = ?", own ) );
		assertNoConflictsOrFailures( "database commit failures" );
		assertEquals( 0, writeBehind().stats().pending() );
	}
}
