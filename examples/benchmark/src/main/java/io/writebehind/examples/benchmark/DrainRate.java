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

	private DrainRate() {
	}

	static Map<String, Object> run(Env env, Mode mode, boolean progress, PrintStream out) throws SQLException {
		int rows = mode.drainRows();
		Map<String, Object> settings = new LinkedHashMap<>();
		settings.put( WriteBehindSettings.MAX_DELAY_MS, "3600000" );
		settings.put( WriteBehindSettings.FLUSH_THRESHOLD, Integer.toString( rows + 10_000 ) );
		settings.put( WriteBehindSettings.QUEUE_CAPACITY, Integer.toString( rows + 10_000 ) );
		settings.put( WriteBehindSettings.CACHE_MAXIMUM_SIZE, Integer.toString( rows + 10_000 ) );
		settings.put( "hibernate.jdbc.batch_size", Integer.toString( JDBC_BATCH ) );
		Map<String, Object> json = new LinkedHashMap<>();
		json.put( "rows", rows );
		json.put( "settings", settings );
		Table table = new Table( "3. drain rate: " + Table.n( rows ) + " rows, flusher (timed flush()) vs raw JDBC "
				+ "executeBatch of " + JDBC_BATCH + "; flusher transactions of " + WriteBehindSettings.DEFAULT_FLUSH_TRANSACTION_SIZE
				+ " (the default), raw JDBC one",
				"operation", "flusher rows/s", "raw JDBC rows/s", "flusher / raw", "flush s", "raw s",
				"flush round trips", "app commit rows/s" );
		try ( Db db = Db.open( env, settings ) ) {
			// warm-up: the same three rounds on a few rows of other ids, for both paths
			int warm = Math.min( 5_000, rows );
			round( db, WARM_UP_FIRST_ID, warm );
			raw( db, WARM_UP_FIRST_ID, warm );

			for ( String op : new String[] { "insert", "update", "delete" } ) {
				Map<String, Object> r = new LinkedHashMap<>();
				double commitSeconds = commit( db, op, 1, rows, progress );
				PoolingConnectionProvider.Counts before = db.pool.counts();
				WriteBehindStats statsBefore = db.writeBehind().stats();
				long start = System.nanoTime();
				db.writeBehind().flush();
				double flushSeconds = ( System.nanoTime() - start ) / 1e9;
				PoolingConnectionProvider.Counts used = db.pool.counts().minus( before );
				long flushed = db.writeBehind().stats().flushed() - statsBefore.flushed();
				double rawSeconds = rawRound( db, op, 1, rows );
				check( db, "bench_wb", op, rows );
				check( db, "bench_raw", op, rows );
				double flushRate = rows / flushSeconds;
				double rawRate = rows / rawSeconds;
				table.row( op + "s", Table.rate( flushRate ), Table.rate( rawRate ), Table.x( flushRate / rawRate ),
						Table.f( flushSeconds, 3 ), Table.f( rawSeconds, 3 ), Table.n( used.roundTrips() ),
						Table.rate( rows / commitSeconds ) );
				r.put( "flusherRowsPerSecond", flushRate );
				r.put( "rawJdbcRowsPerSecond", rawRate );
				r.put( "flusherOverRaw", flushRate / rawRate );
				r.put( "flushSeconds", flushSeconds );
				r.put( "rawJdbcSeconds", rawSeconds );
				r.put( "rowsFlushed", flushed );
				r.put( "flushSqlStatements", used.statements() );
				r.put( "flushRoundTrips", used.roundTrips() );
				r.put( "applicationCommitSeconds", commitSeconds );
				r.put( "applicationCommitRowsPerSecond", rows / commitSeconds );
				json.put( op + "s", r );
			}
		}
		table.print( out );
		out.println( "  app commit rows/s: committing the writes through write-behind (transactions of " + APP_TX
				+ " entities) before the timed flush; each table checked with JDBC after each round" );
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
			case "insert" -> "insert into bench_raw (id, version, name, amount) values (?, ?, ?, ?)";
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
						case "insert" -> {
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

	/** The table holds what the round wrote: n rows of version 0, n rows of version 1, or no row of the range. */
	private static void check(Db db, String table, String op, int n) {
		long count = db.queryLong( "select count(*) from " + table + " where id between 1 and ?", n );
		long updated = db.queryLong( "select count(*) from " + table + " where id between 1 and ? and version = 1 "
				+ "and amount = mod(id, 1000) + 1", n );
		boolean ok = switch ( op ) {
			case "insert" -> count == n;
			case "update" -> count == n && updated == n;
			default -> count == 0;
		};
		if ( !ok ) {
			throw new IllegalStateException( "drain rate: after the " + op + "s " + table + " holds " + count
					+ " rows (" + updated + " updated), expected " + ( op.equals( "delete" ) ? 0 : n ) );
		}
	}
}
