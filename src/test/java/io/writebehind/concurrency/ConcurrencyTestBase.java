package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.hibernate.StaleStateException;

import io.writebehind.WriteBehindStats;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.OptimisticLockException;

/**
 * Helpers of the concurrency tests: worker threads that fail the test (with their stack traces) instead of dying
 * silently, transactions that report an optimistic-lock failure instead of throwing it, and plain-JDBC readers.
 */
abstract class ConcurrencyTestBase extends WriteBehindTestBase {

	/** The seed of a randomized test: {@code -Dwritebehind.test.seed=...} to repeat a run, else the clock. */
	static long baseSeed() {
		String seed = System.getProperty( "writebehind.test.seed" );
		return seed != null ? Long.parseLong( seed.trim() ) : System.nanoTime();
	}

	/** Closes this test's factory and builds a new one on the same schema (tables re-created) with more settings. */
	protected void reopen(Map<String, Object> overrides) {
		emf.close();
		emf = buildFactory( connections, overrides );
		connections.sql().clear();
	}

	/** Whether the failure is an optimistic-lock failure (stale version, or a concurrent commit to the same id). */
	static boolean isOptimisticFailure(Throwable e) {
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			if ( t instanceof OptimisticLockException || t instanceof StaleStateException ) {
				return true;
			}
		}
		return false;
	}

	static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			if ( type.isInstance( t ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Runs the work in a transaction; returns normally only when {@code commit()} returned normally. Any exception is
	 * rethrown after the transaction was rolled back.
	 */
	protected void transaction(Consumer<EntityManager> work) {
		EntityManager em = emf.createEntityManager();
		EntityTransaction tx = em.getTransaction();
		try {
			tx.begin();
			work.accept( em );
			tx.commit();
		}
		catch (RuntimeException | Error e) {
			try {
				if ( tx.isActive() ) {
					tx.rollback();
				}
			}
			catch (RuntimeException rollbackFailure) {
				e.addSuppressed( rollbackFailure );
			}
			throw e;
		}
		finally {
			em.close();
		}
	}

	/** Like {@link #transaction}, but returns {@code false} on an optimistic-lock failure instead of throwing. */
	protected boolean tryTransaction(Consumer<EntityManager> work) {
		try {
			transaction( work );
			return true;
		}
		catch (RuntimeException e) {
			if ( isOptimisticFailure( e ) ) {
				return false;
			}
			throw e;
		}
	}

	/** Runs the transaction until it commits, retrying the whole of it after optimistic-lock failures; returns the retries. */
	protected int retryUntilCommitted(Consumer<EntityManager> work) {
		for ( int retries = 0; retries < 100_000; retries++ ) {
			if ( tryTransaction( work ) ) {
				return retries;
			}
			if ( retries > 50 ) {
				Thread.yield();
			}
		}
		throw new AssertionError( "a transaction failed 100000 times in a row with optimistic-lock failures (livelock?)" );
	}

	@FunctionalInterface
	interface Worker {
		void run(int index) throws Exception;
	}

	/**
	 * Runs {@code threads} workers that start together; waits for all of them. A worker that throws, or workers that
	 * are not done within the timeout (a hang: their stacks are printed), fail the test.
	 */
	static void runConcurrently(String name, int threads, Duration timeout, Worker worker) {
		CountDownLatch start = new CountDownLatch( 1 );
		List<Throwable> failures = java.util.Collections.synchronizedList( new ArrayList<>() );
		List<Thread> workers = new ArrayList<>();
		for ( int i = 0; i < threads; i++ ) {
			int index = i;
			Thread thread = new Thread( () -> {
				try {
					start.await();
					worker.run( index );
				}
				catch (Throwable t) {
					failures.add( t );
				}
			}, name + "-" + i );
			thread.setDaemon( true );
			workers.add( thread );
			thread.start();
		}
		start.countDown();
		long deadline = System.nanoTime() + timeout.toNanos();
		for ( Thread thread : workers ) {
			try {
				thread.join( Math.max( 1, TimeUnit.NANOSECONDS.toMillis( deadline - System.nanoTime() ) ) );
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				fail( "interrupted" );
			}
			if ( thread.isAlive() ) {
				fail( "Worker " + thread.getName() + " did not finish within " + timeout + " (hang?). Threads:\n"
						+ threadDump() + ( failures.isEmpty() ? "" : "\nFirst failure: " + failures.get( 0 ) ) );
			}
		}
		if ( !failures.isEmpty() ) {
			AssertionError error = new AssertionError( name + ": " + failures.size() + " worker(s) failed; first: "
					+ failures.get( 0 ), failures.get( 0 ) );
			for ( int i = 1; i < failures.size() && i < 5; i++ ) {
				error.addSuppressed( failures.get( i ) );
			}
			throw error;
		}
	}

	static String threadDump() {
		StringBuilder sb = new StringBuilder();
		Thread.getAllStackTraces().forEach( (thread, stack) -> {
			sb.append( '"' ).append( thread.getName() ).append( "\" " ).append( thread.getState() ).append( '\n' );
			for ( StackTraceElement element : stack ) {
				sb.append( "\tat " ).append( element ).append( '\n' );
			}
		} );
		return sb.toString();
	}

	/** The rows of wb_counter with ids in [from, to], by id: {total, version}, read with plain JDBC. */
	protected Map<Long, long[]> counterRows(long from, long to) {
		return jdbc( c -> {
			Map<Long, long[]> rows = new TreeMap<>();
			try ( PreparedStatement ps = c.prepareStatement(
					"select id, total, version from wb_counter where id between ? and ?" ) ) {
				ps.setLong( 1, from );
				ps.setLong( 2, to );
				try ( ResultSet rs = ps.executeQuery() ) {
					while ( rs.next() ) {
						rows.put( rs.getLong( 1 ), new long[] { rs.getLong( 2 ), rs.getLong( 3 ) } );
					}
				}
			}
			return rows;
		} );
	}

	/** Fails unless no write conflicted or failed at flush. */
	protected void assertNoConflictsOrFailures(String context) {
		WriteBehindStats stats = writeBehind().stats();
		if ( stats.conflicts() != 0 || stats.failed() != 0 ) {
			fail( context + ": the flusher found conflicts or failures: " + stats + " " + writeBehind().failedWrites() );
		}
	}
}
