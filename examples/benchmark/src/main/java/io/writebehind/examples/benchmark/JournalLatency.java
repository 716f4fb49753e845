package io.writebehind.examples.benchmark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.writebehind.WriteBehindSettings;

/**
 * Scenario 7, journal: the commit latency and throughput of a transaction that persists one write-behind entity,
 * without the journal and with {@code journal.fsync} NEVER, INTERVAL (100 ms) and ALWAYS (group commit), the journal
 * in a directory under the benchmark's target directory (so on the disk the figures name). 1 thread for latency,
 * several for throughput (where ALWAYS's concurrent commits share one fsync). A common warm-up runs first.
 */
final class JournalLatency {

	private record Variant(String key, String label, String fsync) {
	}

	private JournalLatency() {
	}

	static Map<String, Object> run(Env env, Mode mode, Path target, boolean progress, PrintStream out) throws IOException {
		List<Variant> variants = List.of( new Variant( "noJournal", "no journal", null ),
				new Variant( "never", "journal, fsync=NEVER", "NEVER" ),
				new Variant( "interval", "journal, fsync=INTERVAL (100 ms)", "INTERVAL" ),
				new Variant( "always", "journal, fsync=ALWAYS", "ALWAYS" ) );
		Map<String, Object> json = new LinkedHashMap<>();
		Map<String, Object> variantsJson = new LinkedHashMap<>();
		Table table = new Table( "7. journal: a transaction that persists one write-behind entity, by journal.fsync "
				+ "(latency: 1 thread; throughput: 1 and " + mode.threads() + " threads; " + mode.latencySeconds() + " s each)",
				"variant", "p50 us", "p99 us", "mean us", "tx/s 1 thr", "tx/s " + mode.threads() + " thr" );
		AtomicLong nextId = new AtomicLong( 1 );
		Path journals = target.toAbsolutePath().resolve( "bench-journal" );
		// the JIT warms up over the first minutes: without a common warm-up the first variant would look slowest
		try ( Db db = Db.open( env, Map.of() ) ) {
			Load.time( "common warm-up", mode.threads(), mode.warmUpSeconds() * 3, progress, (thread, i, random) -> {
				long id = nextId.getAndIncrement();
				db.tx( em -> em.persist( new WbItem( id ) ) );
			} );
			db.writeBehind().flush();
		}
		for ( Variant v : variants ) {
			Map<String, Object> settings = new LinkedHashMap<>();
			if ( v.fsync != null ) {
				Path dir = journals.resolve( v.key );
				deleteTree( dir );
				settings.put( WriteBehindSettings.JOURNAL_DIR, dir.toString() );
				settings.put( WriteBehindSettings.JOURNAL_FSYNC, v.fsync );
			}
			Load.Result single;
			Load.Result multi;
			try ( Db db = Db.open( env, settings ) ) {
				Load.Op op = (thread, i, random) -> {
					long id = nextId.getAndIncrement();
					db.tx( em -> em.persist( new WbItem( id ) ) );
				};
				Load.time( v.label + " warm-up", mode.threads(), mode.warmUpSeconds(), progress, op );
				db.writeBehind().flush();
				single = Load.time( v.label + ", 1 thread", 1, mode.latencySeconds(), progress, op );
				db.writeBehind().flush();
				multi = Load.time( v.label + ", " + mode.threads() + " threads", mode.threads(), mode.latencySeconds(),
						progress, op );
				db.writeBehind().flush();
			}
			table.row( v.label, Table.us( single.latency().p50() ), Table.us( single.latency().p99() ),
					Table.us( single.latency().mean() ), Table.rate( single.throughput() ), Table.rate( multi.throughput() ) );
			Map<String, Object> vj = new LinkedHashMap<>();
			vj.put( "fsync", v.fsync == null ? "none (no journal)" : v.fsync );
			vj.put( "oneThread", result( single ) );
			vj.put( "threads" + mode.threads(), result( multi ) );
			variantsJson.put( v.key, vj );
		}
		table.print( out );
		out.println( "  journal directory: " + journals + " (the figures are those of its disk)" );
		json.put( "journalDirectory", journals.toString() );
		json.put( "variants", variantsJson );
		deleteTree( journals );
		return json;
	}

	private static Map<String, Object> result(Load.Result r) {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put( "transactions", r.operations() );
		m.put( "seconds", r.seconds() );
		m.put( "transactionsPerSecond", r.throughput() );
		m.put( "latency", r.latency().json() );
		return m;
	}

	private static void deleteTree(Path dir) throws IOException {
		if ( !Files.exists( dir ) ) {
			return;
		}
		try ( Stream<Path> files = Files.walk( dir ) ) {
			for ( Path p : files.sorted( Comparator.reverseOrder() ).toList() ) {
				Files.delete( p );
			}
		}
	}
}
