package io.writebehind.examples.benchmark;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.persistence.EntityManager;
import io.writebehind.examples.support.Progress;

/**
 * Scenario 4, read after write: commit an entity, then find it with a new EntityManager (no transaction). Through
 * write-behind the find is served by the write-behind cache (the write is still pending); through plain Hibernate it
 * selects the row from the database. Only the find (createEntityManager, find, close) is timed, one thread.
 */
final class ReadAfterWrite {

	private static final long WARM_UP_FIRST_ID = 1_000_000_000L;

	private ReadAfterWrite() {
	}

	static Map<String, Object> run(Env env, Mode mode, boolean progress, PrintStream out) {
		Map<String, Object> json = new LinkedHashMap<>();
		Table table = new Table( "4. read after write: find of a just-committed entity, new EntityManager each time, "
				+ "1 thread, " + Table.n( mode.reads() ) + " reads",
				"variant", "p50 us", "p99 us", "mean us", "finds/s", "SQL per find" );
		Map<String, Recorder.Summary> results = new LinkedHashMap<>();
		try ( Db db = Db.open( env, Map.of() ) ) {
			for ( boolean writeBehind : new boolean[] { true, false } ) {
				String label = writeBehind ? "write-behind (cache)" : "plain Hibernate (database)";
				reads( db, writeBehind, WARM_UP_FIRST_ID, Math.max( 500, mode.reads() / 4 ), false );
				db.writeBehind().flush();
				Recorder recorder;
				long[] statements = new long[1];
				try ( Progress bar = Progress.start( "read after write: " + label, mode.reads(), progress ) ) {
					recorder = reads( db, writeBehind, 1, mode.reads(), true, statements, bar );
				}
				db.writeBehind().flush();
				Recorder.Summary s = Recorder.merge( List.of( recorder ) );
				results.put( label, s );
				table.row( label, Table.us( s.p50() ), Table.us( s.p99() ), Table.us( s.mean() ),
						Table.rate( 1e6 / s.mean() ), Table.f( (double) statements[0] / mode.reads(), 2 ) );
				Map<String, Object> v = s.json();
				v.put( "sqlStatementsPerFind", (double) statements[0] / mode.reads() );
				json.put( writeBehind ? "writeBehind" : "plainHibernate", v );
			}
		}
		Recorder.Summary wb = results.get( "write-behind (cache)" );
		Recorder.Summary plain = results.get( "plain Hibernate (database)" );
		table.print( out );
		out.printf( "  plain / write-behind: p50 %s, mean %s; every find returned the committed state (checked)%n",
				Table.x( plain.p50() / wb.p50() ), Table.x( plain.mean() / wb.mean() ) );
		json.put( "plainOverWriteBehindP50", plain.p50() / wb.p50() );
		json.put( "plainOverWriteBehindMean", plain.mean() / wb.mean() );
		return json;
	}

	private static Recorder reads(Db db, boolean writeBehind, long firstId, int n, boolean measure) {
		return reads( db, writeBehind, firstId, n, measure, new long[1], null );
	}

	private static Recorder reads(Db db, boolean writeBehind, long firstId, int n, boolean measure, long[] statements,
			Progress bar) {
		Recorder recorder = new Recorder();
		Class<? extends Item> type = writeBehind ? WbItem.class : PlainItem.class;
		for ( long id = firstId; id < firstId + n; id++ ) {
			long written = id;
			db.tx( em -> {
				Item item = writeBehind ? new WbItem( written ) : new PlainItem( written );
				item.add( 7 );
				em.persist( item );
			} );
			long before = db.pool.statementsOfCurrentThread();
			long start = System.nanoTime();
			EntityManager em = db.emf.createEntityManager();
			Item found;
			try {
				found = em.find( type, id );
			}
			finally {
				em.close();
			}
			long nanos = System.nanoTime() - start;
			if ( measure ) {
				recorder.record( nanos );
				statements[0] += db.pool.statementsOfCurrentThread() - before;
			}
			if ( found == null || found.getAmount() != id % 1_000 + 7 ) {
				throw new IllegalStateException( "read after write: " + type.getSimpleName() + "#" + id + " read as "
						+ ( found == null ? "missing" : "amount " + found.getAmount() ) );
			}
			if ( bar != null ) {
				bar.step();
			}
		}
		return recorder;
	}
}
