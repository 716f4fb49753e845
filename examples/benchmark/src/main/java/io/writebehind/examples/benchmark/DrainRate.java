package io.writebehind.examples.benchmark;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;
import jakarta.persistence.CacheStoreMode;
import jakarta.persistence.EntityManager;
import io.writebehind.examples.support.PoolingConnectionProvider;
import io.writebehind.examples.support.Progress;

/**
 * Scenario 3, drain rate: how many rows per second the flusher applies, against raw JDBC writing the same rows into an
 * identical table in batches of 500. The writes are committed first with a huge max delay and a flush threshold
 * above their number, so nothing is flushed until {@code flush()}, which is then timed: it writes the rows in database
 * transactions of the default {@code flush_transaction_size}, one after the other, in JDBC batches of 500
 * ({@code hibernate.jdbc.batch_size}). Raw JDBC writes batches of 500 and commits once, on a connection of the same
 * pool. For inserts, versioned updates ({@code update ... set ..., version = ? where id = ? and version = ?}; raw:
 * {@code version = version + 1}) and versioned deletes.
 */
final class DrainRate {

	private static final int JDBC_BATCH = 500;
	private static final int APP_TX = 1_000;
	private static final long WARM_UP_FIRST_ID = 1_000_000_000L;
	private static final String BYPASS_INSERT = "insert-bypass";
	/** Added to a round's first id for its inserts committed with {@code CacheStoreMode.BYPASS}. */
	private static final long BYPASS_FIRST_ID = 500_000_000L;
	private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
	private static final com.sun.management.OperatingSystemMXBean OS =
			(com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

	private DrainRate() {
	}

	static Map<String, Object> run(Env env, Mode mode, boolean progress, PrintStream out) throws SQLException {
		int rows = mode.drainRows();
		int rounds = mode == Mode.FULL ? 5 : 3;
		Map<String, Object> settings = new LinkedHashMap<>();
		settings.put( WriteBehindSettings.MAX_DELAY_MS, "3600000" );
		settings.put( WriteBehindSettings.FLUSH_THRESHOLD, Integer.toString( rows + 10_000 ) );
		settings.put( WriteBehindSettings.QUEUE_CAPACITY, Integer.toString( rows + 10_000 ) );
		// every round's rows (and the warm-up's) stay in the cache, deleted ones as markers: no eviction in any round
		settings.put( WriteBehindSettings.CACHE_MAXIMUM_SIZE, Integer.toString( rows * rounds + 10_000 ) );
		settings.put( "hibernate.jdbc.batch_size", Integer.toString( JDBC_BATCH ) );
		Map<String, Object> json = new LinkedHashMap<>();
		json.put( "rows", rows );
		json.put( "rounds", rounds );
		json.put( "settings", settings );
		Table table = new Table( "3. drain rate: " + Table.n( rows ) + " rows, flusher (timed flush()) vs raw JDBC "
				+ "executeBatch of " + JDBC_BATCH + "; flusher transactions of " + WriteBehindSettings.DEFAULT_FLUSH_TRANSACTION_SIZE
				+ " (the default), raw JDBC one; " + rounds + " alternating rounds, medians",
				"operation", "flusher rows/s", "raw JDBC rows/s", "flusher / raw", "ratio range", "flush s", "raw s",
				"process CPU flusher / raw", "thread CPU raw / flusher", "flush round trips", "app commit rows/s" );
		// the fourth: inserts committed with JPA's CacheStoreMode.BYPASS (no clean entry kept once written), on ids of
		// their own, which stay in both tables
		String[] ops = { "insert", "update", "delete", BYPASS_INSERT };
		double[][] flushSeconds = new double[ops.length][rounds];
		double[][] rawSeconds = new double[ops.length][rounds];
		double[][] commitSeconds = new double[ops.length][rounds];
		double[][] flushCpu = new double[ops.length][rounds];
		double[][] rawCpu = new double[ops.length][rounds];
		double[][] flushThreadCpu = new double[ops.length][rounds];
		double[][] rawThreadCpu = new double[ops.length][rounds];
		long[] roundTrips = new long[ops.length];
		long[] statements = new long[ops.length];
		long[] flushed = new long[ops.length];
		try ( Db db = Db.open( env, settings ) ) {
			// warm-up: the same three rounds on a few rows of other ids, for both paths
			int warm = Math.min( 5_000, rows );
			round( db, WARM_UP_FIRST_ID, warm );
			raw( db, WARM_UP_FIRST_ID, warm );

			// each round writes its own ids through both paths, one after the other, the order alternating from round
			// to round: a change of the machine's load hits both paths alike, and the ratio is taken per round
			for ( int round = 0; round < rounds; round++ ) {
				long roundFirstId = 1 + (long) round * rows;
				boolean rawFirst = round % 2 == 1;
				for ( int o = 0; o < ops.length; o++ ) {
					String op = ops[o];
					long firstId = op.equals( BYPASS_INSERT ) ? roundFirstId + BYPASS_FIRST_ID : roundFirstId;
					commitSeconds[o][round] = commit( db, op, firstId, rows, progress );
					if ( rawFirst ) {
						quiesce();
						long rawCpu0 = OS.getProcessCpuTime();
						long rawThread0 = THREADS.getCurrentThreadCpuTime();
						rawSeconds[o][round] = rawRound( db, op, firstId, rows );
						rawThreadCpu[o][round] = THREADS.getCurrentThreadCpuTime() - rawThread0;
						rawCpu[o][round] = OS.getProcessCpuTime() - rawCpu0;
					}
					PoolingConnectionProvider.Counts before = db.pool.counts();
					WriteBehindStats statsBefore = db.writeBehind().stats();
					quiesce();
					long flusherThreads0 = flusherThreadsCpu();
					long cpu0 = OS.getProcessCpuTime();
					long start = System.nanoTime();
					db.writeBehind().flush();
					flushSeconds[o][round] = ( System.nanoTime() - start ) / 1e9;
					flushCpu[o][round] = OS.getProcessCpuTime() - cpu0;
					flushThreadCpu[o][round] = flusherThreadsCpu() - flusherThreads0;
					PoolingConnectionProvider.Counts used = db.pool.counts().minus( before );
					roundTrips[o] = used.roundTrips();
					statements[o] = used.statements();
					flushed[o] = db.writeBehind().stats().flushed() - statsBefore.flushed();
					if ( !rawFirst ) {
						quiesce();
						long rawCpu0 = OS.getProcessCpuTime();
						long rawThread0 = THREADS.getCurrentThreadCpuTime();
						rawSeconds[o][round] = rawRound( db, op, firstId, rows );
						rawThreadCpu[o][round] = THREADS.getCurrentThreadCpuTime() - rawThread0;
						rawCpu[o][round] = OS.getProcessCpuTime() - rawCpu0;
					}
					check( db, "bench_wb", op, firstId, rows );
					check( db, "bench_raw", op, firstId, rows );
				}
			}
		}
		for ( int o = 0; o < ops.length; o++ ) {
			String op = ops[o];
			double[] ratios = new double[rounds];
			double[] cpuRatios = new double[rounds];
			double[] threadCpuRatios = new double[rounds];
			for ( int round = 0; round < rounds; round++ ) {
				ratios[round] = rawSeconds[o][round] / flushSeconds[o][round];
				cpuRatios[round] = flushCpu[o][round] / rawCpu[o][round];
				threadCpuRatios[round] = rawThreadCpu[o][round] / flushThreadCpu[o][round];
			}
			double cpuRatio = median( cpuRatios );
			double threadCpuRatio = median( threadCpuRatios );
			double ratio = median( ratios );
			double flushS = median( flushSeconds[o] );
			double rawS = median( rawSeconds[o] );
			double commitS = median( commitSeconds[o] );
			table.row( op.equals( BYPASS_INSERT ) ? "inserts, CacheStoreMode.BYPASS" : op + "s", Table.rate( rows / flushS ), Table.rate( rows / rawS ), Table.x( ratio ),
					Table.x( min( ratios ) ) + "-" + Table.x( max( ratios ) ), Table.f( flushS, 3 ), Table.f( rawS, 3 ),
					Table.x( cpuRatio ), Table.x( threadCpuRatio ), Table.n( roundTrips[o] ), Table.rate( rows / commitS ) );
			Map<String, Object> r = new LinkedHashMap<>();
			r.put( "flusherRowsPerSecond", rows / flushS );
			r.put( "rawJdbcRowsPerSecond", rows / rawS );
			r.put( "flusherOverRaw", ratio );
			r.put( "flusherOverRawRounds", java.util.Arrays.stream( ratios ).boxed().toList() );
			r.put( "processCpuFlusherOverRaw", cpuRatio );
			r.put( "threadCpuRawOverFlusher", threadCpuRatio );
			r.put( "threadCpuRawOverFlusherRounds", java.util.Arrays.stream( threadCpuRatios ).boxed().toList() );
			r.put( "flushSeconds", flushS );
			r.put( "rawJdbcSeconds", rawS );
			r.put( "rowsFlushed", flushed[o] );
			r.put( "flushSqlStatements", statements[o] );
			r.put( "flushRoundTrips", roundTrips[o] );
			r.put( "applicationCommitSeconds", commitS );
			r.put( "applicationCommitRowsPerSecond", rows / commitS );
			json.put( op.equals( BYPASS_INSERT ) ? "insertsStoreBypass" : op + "s", r );
		}
		table.print( out );
		out.println( "  app commit rows/s: committing the writes through write-behind (transactions of " + APP_TX
				+ " entities) before the timed flush; each table checked with JDBC after each round; flusher / raw: the"
				+ " median of the rounds' ratios (each round's two paths measured one after the other), its range beside it;"
				+ " process CPU: this JVM's CPU time in the two windows (the flusher's thread, GC and, on H2, the database);"
				+ " thread CPU raw / flusher: the CPU time of the thread writing raw JDBC against that of the flusher threads"
				+ " in their windows, the median of the rounds' ratios (1.0x: the flusher's threads spend what raw JDBC's"
				+ " spends; on H2 both include the database's own work, which runs on the calling thread, on a server"
				+ " database only the client's); inserts, CacheStoreMode.BYPASS: the same inserts committed with JPA's"
				+ " cache store mode BYPASS, so the flusher keeps no clean entry of the rows it wrote (the read cache's"
				+ " cost, which raw JDBC does not have, left out)" );
		return json;
	}

	/** One round of each operation through write-behind, flushed. */
	private static void round(Db db, long firstId, int n) {
		for ( String op : new String[] { "insert", "update", "delete" } ) {
			commit( db, op, firstId, n, false );
			db.writeBehind().flush();
		}
	}

	/** Commits {@code n} writes of one kind through write-behind, in transactions of {@link #APP_TX}; returns seconds. */
	private static double commit(Db db, String op, long firstId, int n, boolean progress) {
		BiConsumer<EntityManager, Long> write = switch ( op ) {
			case "insert" -> (em, id) -> em.persist( new WbItem( id ) );
			case BYPASS_INSERT -> (em, id) -> {
				em.setCacheStoreMode( CacheStoreMode.BYPASS );
				em.persist( new WbItem( id ) );
			};
			case "update" -> (em, id) -> em.find( WbItem.class, id ).add( 1 );
			case "delete" -> (em, id) -> em.remove( em.find( WbItem.class, id ) );
			default -> throw new IllegalArgumentException( op );
		};
		long start = System.nanoTime();
		try ( Progress bar = Progress.start( "drain: commit " + n + " " + op + "s", n, progress ) ) {
			for ( long from = firstId; from < firstId + n; from += APP_TX ) {
				long begin = from;
				long end = Math.min( firstId + n, from + APP_TX );
				db.tx( em -> {
					for ( long id = begin; id < end; id++ ) {
						write.accept( em, id );
						bar.step();
					}
				} );
			}
		}
		return ( System.nanoTime() - start ) / 1e9;
	}

	private static void raw(Db db, long firstId, int n) throws SQLException {
		for ( String op : new String[] { "insert", "update", "delete" } ) {
			rawRound( db, op, firstId, n );
		}
	}

	/** Writes {@code n} rows of {@code bench_raw} with plain JDBC, batches of 500, one commit; returns seconds. */
	private static double rawRound(Db db, String op, long firstId, int n) throws SQLException {
		String sql = switch ( op ) {
			case "insert", BYPASS_INSERT -> "insert into bench_raw (id, version, name, amount) values (?, ?, ?, ?)";
			case "update" -> "update bench_raw set name = ?, amount = ?, version = version + 1 where id = ? and version = ?";
			case "delete" -> "delete from bench_raw where id = ? and version = ?";
			default -> throw new IllegalArgumentException( op );
		};
		// through the same (counting) pool as the flusher, so that both pay the same for it
		Connection c = db.pool.getConnection();
		try {
			long start = System.nanoTime();
			try ( PreparedStatement ps = c.prepareStatement( sql ) ) {
				int batched = 0;
				for ( long id = firstId; id < firstId + n; id++ ) {
					switch ( op ) {
						case "insert", BYPASS_INSERT -> {
							ps.setLong( 1, id );
							ps.setLong( 2, 0 );
							ps.setString( 3, "item-" + id );
							ps.setLong( 4, id % 1_000 );
						}
						case "update" -> {
							ps.setString( 1, "item-" + id );
							ps.setLong( 2, id % 1_000 + 1 );
							ps.setLong( 3, id );
							ps.setLong( 4, 0 );
						}
						default -> {
							ps.setLong( 1, id );
							ps.setLong( 2, 1 );
						}
					}
					ps.addBatch();
					if ( ++batched == JDBC_BATCH ) {
						checkCounts( ps.executeBatch(), op );
						batched = 0;
					}
				}
				if ( batched > 0 ) {
					checkCounts( ps.executeBatch(), op );
				}
			}
			c.commit();
			return ( System.nanoTime() - start ) / 1e9;
		}
		finally {
			db.pool.closeConnection( c );
		}
	}

	private static void checkCounts(int[] counts, String op) {
		for ( int count : counts ) {
			if ( count != 1 && count != Statement.SUCCESS_NO_INFO ) {
				throw new IllegalStateException( "raw JDBC " + op + ": a row count of " + count + ", expected 1" );
			}
		}
	}

	/**
	 * Before each timed window: a full collection, so that neither path pays for the other's (or the commits') garbage
	 * in its window; without it the rounds' ratios spread from 0.3x to 3x on the development machine.
	 */
	private static void quiesce() {
		System.gc();
	}

	/** The CPU time of this JVM's write-behind flusher threads so far, in nanoseconds. */
	private static long flusherThreadsCpu() {
		long total = 0;
		for ( Thread thread : Thread.getAllStackTraces().keySet() ) {
			if ( thread.getName().startsWith( "write-behind-flusher" ) ) {
				long cpu = THREADS.getThreadCpuTime( thread.getId() );
				if ( cpu > 0 ) {
					total += cpu;
				}
			}
		}
		return total;
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		java.util.Arrays.sort( sorted );
		int m = sorted.length / 2;
		return sorted.length % 2 == 1 ? sorted[m] : ( sorted[m - 1] + sorted[m] ) / 2;
	}

	private static double min(double[] values) {
		return java.util.Arrays.stream( values ).min().orElse( Double.NaN );
	}

	private static double max(double[] values) {
		return java.util.Arrays.stream( values ).max().orElse( Double.NaN );
	}

	/** The table holds what the round wrote: n rows of version 0, n rows of version 1, or no row of the range. */
	private static void check(Db db, String table, String op, long firstId, int n) {
		long last = firstId + n - 1;
		long count = db.queryLong( "select count(*) from " + table + " where id between ? and ?", firstId, last );
		long updated = db.queryLong( "select count(*) from " + table + " where id between ? and ? and version = 1 "
				+ "and amount = mod(id, 1000) + 1", firstId, last );
		boolean ok = switch ( op ) {
			case "insert", BYPASS_INSERT -> count == n;
			case "update" -> count == n && updated == n;
			default -> count == 0;
		};
		if ( !ok ) {
			throw new IllegalStateException( "drain rate: after the " + op + "s " + table + " holds " + count
					+ " rows (" + updated + " updated), expected " + ( op.equals( "delete" ) ? 0 : n ) );
		}
	}
}
