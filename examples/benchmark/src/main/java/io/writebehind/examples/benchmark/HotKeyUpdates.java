package io.writebehind.examples.benchmark;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;

/**
 * Scenario 2, hot-key updates: many read-modify-write updates over few ids at the default max delay. Write-behind
 * coalesces the updates of an id that are still pending: the database sees at most one write per id per flush cycle.
 * Run twice: with the default settings (a flush also starts whenever flush_threshold distinct ids are pending, 10,000
 * by default, above the hot set), and with flush_threshold at the queue's capacity, so that only max_delay_ms starts
 * a flush.
 */
final class HotKeyUpdates {

	/** The warm-up of a variant, in seconds, unless the mode's is longer (or its six times shorter: the harness's test). */
	private static final double WARM_UP_SECONDS = 3;

	private HotKeyUpdates() {
	}

	static Map<String, Object> run(Env env, Mode mode, boolean progress, PrintStream out) {
		Map<String, Object> json = new LinkedHashMap<>();
		Table table = new Table( "2. hot-key updates: " + Table.n( mode.hotUpdates() ) + " read-modify-write "
				+ "transactions over " + Table.n( mode.hotIds() ) + " ids, " + mode.threads() + " threads, "
				+ "max_delay_ms=" + WriteBehindSettings.DEFAULT_MAX_DELAY_MS,
				"settings", "updates/s", "p50 us", "p99 us", "retries", "s until flushed", "db writes",
				"writes/update", "flush cycles", "writes/id/interval" );
		List<Map<String, Object>> variants = new ArrayList<>();
		variants.add( variant( env, mode, progress, "defaults (flush_threshold="
				+ WriteBehindSettings.DEFAULT_FLUSH_THRESHOLD + ")", Map.of(), table ) );
		variants.add( variant( env, mode, progress, "flush_threshold=100000",
				Map.of( WriteBehindSettings.FLUSH_THRESHOLD, "100000" ), table ) );
		table.print( out );
		out.println( "  db writes = rows the flusher wrote (WriteBehind.stats().flushed()); interval = max_delay_ms; "
				+ "writes/id/interval = db writes / ids / (seconds until flushed / max delay)" );
		out.println( "  with the defaults a flush also starts as soon as flush_threshold ("
				+ WriteBehindSettings.DEFAULT_FLUSH_THRESHOLD + ") distinct ids are pending: above these "
				+ Table.n( mode.hotIds() ) + " hot ids, so each is written about once per max delay" );
		json.put( "variants", variants );
		return json;
	}

	private static Map<String, Object> variant(Env env, Mode mode, boolean progress, String label,
			Map<String, String> overrides, Table table) {
		int ids = mode.hotIds();
		AtomicLongArray expected = new AtomicLongArray( ids + 1 );
		AtomicLongArray versions = new AtomicLongArray( ids + 1 );
		Map<String, Object> json = new LinkedHashMap<>();
		json.put( "settings", label );
		try ( Db db = Db.open( env, overrides ) ) {
			db.tx( em -> {
				for ( long id = 1; id <= ids; id++ ) {
					em.persist( new WbItem( id ) );
				}
			} );
			for ( int id = 1; id <= ids; id++ ) {
				expected.set( id, id % 1_000 );
			}
			// warm-up on the same ids, not measured; longer than the mode's: the first variant runs in a cold JVM, and
			// with half a second it ran at half the rate of the second, which made its writes per update look worse
			double warmUp = Math.max( mode.warmUpSeconds(), Math.min( WARM_UP_SECONDS, 6 * mode.warmUpSeconds() ) );
			Load.time( "hot-key warm-up (" + label + ")", mode.threads(), warmUp, progress,
					(thread, i, random) -> update( db, random.nextInt( ids ) + 1, expected, versions ) );
			db.writeBehind().flush();
			WriteBehindStats before = db.writeBehind().stats();
			long start = System.nanoTime();
			Load.Result r = Load.count( "hot-key updates (" + label + ")", mode.threads(), mode.hotUpdates(), progress,
					(thread, i, random) -> update( db, random.nextInt( ids ) + 1, expected, versions ) );
			db.writeBehind().flush();
			double seconds = ( System.nanoTime() - start ) / 1e9;
			WriteBehindStats after = db.writeBehind().stats();
			long writes = after.flushed() - before.flushed();
			long cycles = after.batches() - before.batches();
			double intervals = seconds / ( WriteBehindSettings.DEFAULT_MAX_DELAY_MS / 1000.0 );
			double perIdPerInterval = writes / (double) ids / intervals;
			String check = verify( db, expected, versions );
			table.row( label, Table.rate( r.throughput() ), Table.us( r.latency().p50() ), Table.us( r.latency().p99() ),
					Table.n( r.retries() ), Table.f( seconds, 2 ), Table.n( writes ),
					Table.f( (double) writes / r.operations(), 4 ),
					Table.n( cycles ), Table.f( perIdPerInterval, 2 ) );
			json.put( "updatesCommitted", r.operations() );
			json.put( "updatesPerSecond", r.throughput() );
			json.put( "latency", r.latency().json() );
			json.put( "optimisticLockRetries", r.retries() );
			json.put( "secondsUntilFlushed", seconds );
			json.put( "databaseWrites", writes );
			json.put( "databaseWritesPerUpdate", (double) writes / r.operations() );
			json.put( "coalesced", after.coalesced() - before.coalesced() );
			json.put( "flushCycles", cycles );
			json.put( "maxDelayIntervals", intervals );
			json.put( "writesPerIdPerInterval", perIdPerInterval );
			json.put( "verification", check );
			if ( !"ok".equals( check ) ) {
				throw new IllegalStateException( "hot-key updates: the database does not hold the committed state: " + check );
			}
		}
		return json;
	}

	private static void update(Db db, long id, AtomicLongArray expected, AtomicLongArray versions) throws Load.Retry {
		try {
			db.tx( em -> em.find( WbItem.class, id ).add( 1 ) );
		}
		catch (RuntimeException e) {
			if ( Load.optimisticLockFailure( e ) ) {
				throw new Load.Retry( e );
			}
			throw e;
		}
		expected.incrementAndGet( (int) id );
		versions.incrementAndGet( (int) id );
	}

	private static String verify(Db db, AtomicLongArray expected, AtomicLongArray versions) {
		int rows = 0;
		try ( Connection c = db.jdbc(); Statement s = c.createStatement();
				ResultSet rs = s.executeQuery( "select id, amount, version from bench_wb order by id" ) ) {
			while ( rs.next() ) {
				rows++;
				int id = (int) rs.getLong( 1 );
				if ( id < 1 || id >= expected.length() || rs.getLong( 2 ) != expected.get( id )
						|| rs.getLong( 3 ) != versions.get( id ) ) {
					return "id " + id + ": amount " + rs.getLong( 2 ) + " version " + rs.getLong( 3 ) + ", expected "
							+ ( id >= 1 && id < expected.length() ? expected.get( id ) + " / " + versions.get( id ) : "none" );
				}
			}
		}
		catch (SQLException e) {
			return e.toString();
		}
		return rows == expected.length() - 1 ? "ok" : rows + " rows, expected " + ( expected.length() - 1 );
	}
}
