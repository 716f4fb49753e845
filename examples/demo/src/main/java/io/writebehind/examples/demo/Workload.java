package io.writebehind.examples.demo;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

import org.hibernate.StaleStateException;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindStats;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.OptimisticLockException;
import io.writebehind.examples.support.PoolingConnectionProvider;
import io.writebehind.examples.support.Progress;

/**
 * The demo's workload, run the same way for both entities: {@code inserts} transactions that each persist one counter
 * (ids 1..inserts, shared out between the threads), then {@code updates} read-modify-write transactions (find one of
 * the first {@code hotIds} counters, add 1..9 to its total, commit), all from {@code threads} threads. A transaction
 * that loses an optimistic-lock race (two threads changed the same counter at once) is retried. The expected final
 * state of every row is tracked, so that the database can be checked afterwards.
 */
public final class Workload {

	/** The size of one run. */
	public record Size(int threads, int inserts, int updates, int hotIds) {
		public Size {
			if ( threads < 1 || inserts < 1 || updates < 0 || hotIds < 1 || hotIds > inserts ) {
				throw new IllegalArgumentException( "need threads >= 1, inserts >= 1, updates >= 0 and "
						+ "1 <= hot ids <= inserts; got " + this );
			}
		}

		public int transactions() {
			return inserts + updates;
		}
	}

	/** The figures of one phase (inserts or updates) of one side. */
	public record Phase(int operations, double seconds, Latencies latencies, long retries) {
		public double throughput() {
			return seconds == 0 ? 0 : operations / seconds;
		}
	}

	/**
	 * The figures of one side: its two phases, the time until every write was in the database (for write-behind: up
	 * to the end of {@link WriteBehind#flush()}), what crossed the connection pool, and, for write-behind, the change
	 * of its figures.
	 */
	public record Result(String side, String table, Size size, Phase inserts, Phase updates, double secondsUntilWritten,
			PoolingConnectionProvider.Counts jdbc, WriteBehindStats before, WriteBehindStats after, Expected expected) {

		public long coalesced() {
			return after == null ? 0 : after.coalesced() - before.coalesced();
		}

		public long flushedRows() {
			return after == null ? 0 : after.flushed() - before.flushed();
		}

		public long flushBatches() {
			return after == null ? 0 : after.batches() - before.batches();
		}
	}

	/** The state every row of a side's table must have at the end: total and version by id (index 0 unused). */
	public static final class Expected {
		final AtomicLongArray totals;
		final AtomicLongArray versions;

		Expected(int rows) {
			totals = new AtomicLongArray( rows + 1 );
			versions = new AtomicLongArray( rows + 1 );
		}

		public int rows() {
			return totals.length() - 1;
		}

		public long sumOfTotals() {
			long sum = 0;
			for ( int i = 1; i < totals.length(); i++ ) {
				sum += totals.get( i );
			}
			return sum;
		}
	}

	private final EntityManagerFactory emf;
	private final PoolingConnectionProvider pool;
	private final boolean progress;

	public Workload(EntityManagerFactory emf, PoolingConnectionProvider pool, boolean progress) {
		this.emf = emf;
		this.pool = pool;
		this.progress = progress;
	}

	/**
	 * Runs the workload on one entity class. For write-behind, ends with {@link WriteBehind#flush()} so that every
	 * write is in the database when this returns.
	 */
	public Result run(String side, String table, Class<? extends Counter> type, LongFunction<Counter> create,
			Size size, boolean writeBehind) {
		WriteBehindStats statsBefore = writeBehind ? WriteBehind.of( emf ).stats() : null;
		PoolingConnectionProvider.Counts jdbcBefore = pool.counts();
		Expected expected = new Expected( size.inserts() );
		long start = System.nanoTime();

		Phase inserts = phase( side + ": inserts", size.threads(), size.inserts(), (thread, i, random) -> {
			long id = (long) i * size.threads() + thread + 1;
			if ( id > size.inserts() ) {
				return false;
			}
			inTransaction( em -> em.persist( create.apply( id ) ) );
			return true;
		} );

		Phase updates = phase( side + ": updates", size.threads(), size.updates(), (thread, i, random) -> {
			int id = 1 + random.nextInt( size.hotIds() );
			long delta = 1 + random.nextInt( 9 );
			inTransaction( em -> em.find( type, (long) id ).add( delta ) );
			expected.totals.addAndGet( id, delta );
			expected.versions.incrementAndGet( id );
			return true;
		} );

		if ( writeBehind ) {
			try ( Progress bar = Progress.start( side + ": flush()", 1, progress ) ) {
				WriteBehind.of( emf ).flush();
				bar.step();
			}
		}
		double untilWritten = ( System.nanoTime() - start ) / 1e9;
		return new Result( side, table, size, inserts, updates, untilWritten, pool.counts().minus( jdbcBefore ),
				statsBefore, writeBehind ? WriteBehind.of( emf ).stats() : null, expected );
	}

	/** Ids of the warm-up rows: far above any id of the measured workload; they are removed again. */
	static final long WARM_UP_FIRST_ID = 1_000_000_000L;

	/**
	 * Warms the JVM up on the code paths of one side (persist, find + change, remove), on ids of its own that it
	 * removes again, so that the measured phases of both sides run on compiled code. For write-behind, ends with a
	 * flush so that the measured phases start with an empty queue. Nothing of it is counted.
	 */
	public void warmUp(String side, Class<? extends Counter> type, LongFunction<Counter> create, int threads, int rows,
			boolean writeBehind) {
		if ( rows <= 0 ) {
			return;
		}
		int updates = rows * 2;
		phase( side + ": warm-up inserts", threads, rows, (thread, i, random) -> {
			long id = WARM_UP_FIRST_ID + (long) i * threads + thread;
			inTransaction( em -> em.persist( create.apply( id ) ) );
			return true;
		} );
		phase( side + ": warm-up updates", threads, updates, (thread, i, random) -> {
			long id = WARM_UP_FIRST_ID + random.nextInt( rows );
			inTransaction( em -> {
				Counter counter = em.find( type, id );
				if ( counter != null ) {
					counter.add( 1 );
				}
			} );
			return true;
		} );
		phase( side + ": warm-up removes", threads, rows, (thread, i, random) -> {
			long id = WARM_UP_FIRST_ID + (long) i * threads + thread;
			inTransaction( em -> em.remove( em.find( type, id ) ) );
			return true;
		} );
		if ( writeBehind ) {
			WriteBehind.of( emf ).flush();
		}
	}

	@FunctionalInterface
	private interface Operation {
		/** Runs operation {@code i} of a thread; returns false if there was nothing to do. */
		boolean run(int thread, int i, SplittableRandom random) throws Retry;
	}

	/** A transaction lost an optimistic-lock race and has to be retried. */
	private static final class Retry extends Exception {
		Retry(Throwable cause) {
			super( cause );
		}
	}

	private Phase phase(String label, int threads, int operations, Operation operation) {
		long[][] latencies = new long[threads][];
		int[] counts = new int[threads];
		long[] retries = new long[threads];
		CountDownLatch ready = new CountDownLatch( threads );
		CountDownLatch go = new CountDownLatch( 1 );
		AtomicReference<Throwable> failure = new AtomicReference<>();
		List<Thread> workers = new ArrayList<>();
		try ( Progress bar = Progress.start( label, operations, progress ) ) {
			for ( int t = 0; t < threads; t++ ) {
				int thread = t;
				int share = operations / threads + ( t < operations % threads ? 1 : 0 );
				latencies[t] = new long[share];
				Thread worker = new Thread( () -> {
					SplittableRandom random = new SplittableRandom( 42 + thread * 7919L + label.hashCode() );
					ready.countDown();
					try {
						go.await();
						for ( int i = 0; i < share && failure.get() == null; i++ ) {
							long begin = System.nanoTime();
							boolean done;
							while ( true ) {
								try {
									done = operation.run( thread, i, random );
									break;
								}
								catch (Retry retry) {
									if ( ++retries[thread] > 100L * operations + 1_000 ) {
										throw new IllegalStateException( "too many optimistic-lock retries", retry );
									}
								}
							}
							if ( done ) {
								latencies[thread][counts[thread]++] = System.nanoTime() - begin;
								bar.step();
							}
						}
					}
					catch (Throwable e) {
						failure.compareAndSet( null, e );
					}
				}, "demo-worker-" + t );
				workers.add( worker );
				worker.start();
			}
			ready.await();
			long start = System.nanoTime();
			go.countDown();
			for ( Thread worker : workers ) {
				worker.join();
			}
			double seconds = ( System.nanoTime() - start ) / 1e9;
			if ( failure.get() != null ) {
				throw new IllegalStateException( label + " failed: " + failure.get(), failure.get() );
			}
			long totalRetries = 0;
			for ( long r : retries ) {
				totalRetries += r;
			}
			Latencies summary = new Latencies( latencies, counts );
			return new Phase( summary.count(), seconds, summary, totalRetries );
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException( "interrupted", e );
		}
	}

	private interface Work {
		void accept(EntityManager em);
	}

	/** One transaction with an EntityManager of its own; an optimistic-lock failure becomes {@link Retry}. */
	private void inTransaction(Work work) throws Retry {
		EntityManager em = emf.createEntityManager();
		EntityTransaction tx = em.getTransaction();
		try {
			tx.begin();
			work.accept( em );
			tx.commit();
		}
		catch (RuntimeException e) {
			if ( tx.isActive() ) {
				tx.rollback();
			}
			if ( isOptimisticLockFailure( e ) ) {
				throw new Retry( e );
			}
			throw e;
		}
		finally {
			em.close();
		}
	}

	static boolean isOptimisticLockFailure(Throwable e) {
		for ( Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause() ) {
			if ( t instanceof OptimisticLockException || t instanceof StaleStateException ) {
				return true;
			}
		}
		return false;
	}

	/** The outcome of checking a table against the expected state. */
	public record Verification(int rows, List<String> mismatches) {
		public boolean ok() {
			return mismatches.isEmpty();
		}
	}

	/**
	 * Reads every row of a side's table with plain JDBC (not through Hibernate, not through write-behind) and compares
	 * ids, totals and versions with the expected state.
	 */
	public Verification verify(Result result) throws SQLException {
		Expected expected = result.expected();
		List<String> mismatches = new ArrayList<>();
		boolean[] seen = new boolean[expected.rows() + 1];
		int rows = 0;
		long sum = 0;
		try ( Connection connection = pool.openUncounted(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery( "select id, total, version from " + result.table() + " order by id" ) ) {
			while ( rs.next() ) {
				rows++;
				long id = rs.getLong( 1 );
				long total = rs.getLong( 2 );
				long version = rs.getLong( 3 );
				sum += total;
				if ( id < 1 || id > expected.rows() || seen[(int) id] ) {
					mismatch( mismatches, result.table() + ": unexpected or duplicate id " + id );
					continue;
				}
				seen[(int) id] = true;
				if ( total != expected.totals.get( (int) id ) || version != expected.versions.get( (int) id ) ) {
					mismatch( mismatches, result.table() + " id " + id + ": total " + total + " version " + version
							+ ", expected total " + expected.totals.get( (int) id ) + " version "
							+ expected.versions.get( (int) id ) );
				}
			}
		}
		for ( int id = 1; id <= expected.rows(); id++ ) {
			if ( !seen[id] ) {
				mismatch( mismatches, result.table() + ": id " + id + " is missing" );
			}
		}
		if ( rows != expected.rows() ) {
			mismatches.add( result.table() + ": " + rows + " rows, expected " + expected.rows() );
		}
		if ( sum != expected.sumOfTotals() ) {
			mismatches.add( result.table() + ": sum of totals " + sum + ", expected " + expected.sumOfTotals() );
		}
		return new Verification( rows, mismatches );
	}

	private static void mismatch(List<String> mismatches, String message) {
		if ( mismatches.size() < 20 ) {
			mismatches.add( message );
		}
		else if ( mismatches.size() == 20 ) {
			mismatches.add( "... (more mismatches not shown)" );
		}
	}
}
