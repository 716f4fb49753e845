package io.writebehind.examples.benchmark;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityTransaction;
import io.writebehind.examples.support.PoolingConnectionProvider;

/**
 * Scenario 1, insert-heavy: the caller-visible latency and the throughput of a transaction that persists one entity,
 * through write-behind, through plain Hibernate (one transaction per entity) and through plain Hibernate in large
 * batched transactions, against the floor: an empty transaction through the same EntityManager path. Each variant runs
 * for a fixed time with one thread (latency) and then with several threads (throughput), after a warm-up.
 */
final class InsertLatency {

	private record Variant(String key, String label, int entitiesPerTx) {
	}

	private static final Variant FLOOR = new Variant( "emptyTransaction", "empty transaction (floor)", 0 );
	private static final Variant WB = new Variant( "writeBehind", "write-behind, 1 entity/tx", 1 );
	private static final Variant PLAIN = new Variant( "plainHibernate", "plain Hibernate, 1 entity/tx", 1 );

	private InsertLatency() {
	}

	static Map<String, Object> run(Env env, Mode mode, boolean progress, PrintStream out) {
		Variant batched = new Variant( "plainHibernateBatched",
				"plain Hibernate, " + mode.batchedTxSize() + " entities/tx", mode.batchedTxSize() );
		List<Variant> variants = List.of( FLOOR, WB, PLAIN, batched );
		Map<String, Object> json = new LinkedHashMap<>();
		Map<String, Object> settings = new LinkedHashMap<>();
		settings.put( "hibernate.jdbc.batch_size", 500 );
		settings.put( "writeBehind", "defaults (max_delay_ms=" + WriteBehindSettings.DEFAULT_MAX_DELAY_MS + ", flush_threshold="
				+ WriteBehindSettings.DEFAULT_FLUSH_THRESHOLD + ", flush_transaction_size="
				+ WriteBehindSettings.DEFAULT_FLUSH_TRANSACTION_SIZE + ", queue_capacity=" + WriteBehindSettings.DEFAULT_QUEUE_CAPACITY + ")" );
		json.put( "settings", settings );
		AtomicLong nextId = new AtomicLong( 1 );
		Map<Variant, Load.Result> single = new LinkedHashMap<>();
		Map<Variant, Load.Result> multi = new LinkedHashMap<>();
		Map<Variant, long[]> jdbc = new LinkedHashMap<>();
		try ( Db db = Db.open( env, Map.of() ) ) {
			for ( Variant v : variants ) {
				Load.Op op = op( db, v, nextId );
				Load.time( v.label + " warm-up", mode.threads(), mode.warmUpSeconds(), progress, op );
				settle( db );
				PoolingConnectionProvider.Counts before = db.pool.counts();
				WriteBehindStats statsBefore = db.writeBehind().stats();
				single.put( v, Load.time( v.label + ", 1 thread", 1, mode.latencySeconds(), progress, op ) );
				settle( db );
				multi.put( v, Load.time( v.label + ", " + mode.threads() + " threads", mode.threads(),
						mode.latencySeconds(), progress, op ) );
				settle( db );
				PoolingConnectionProvider.Counts used = db.pool.counts().minus( before );
				WriteBehindStats statsAfter = db.writeBehind().stats();
				long entities = ( single.get( v ).operations() + multi.get( v ).operations() ) * Math.max( 1, v.entitiesPerTx );
				jdbc.put( v, new long[] { used.statements(), used.roundTrips(), entities,
						statsAfter.flushed() - statsBefore.flushed() } );
			}
			long rows = db.queryLong( "select count(*) from bench_wb" ) + db.queryLong( "select count(*) from bench_plain" );
			json.put( "rowsInDatabaseAfterFlush", rows );
		}

		Table table = new Table( "1. insert-heavy: a transaction that persists one entity (latency: 1 thread; "
				+ "throughput: 1 and " + mode.threads() + " threads; " + mode.latencySeconds() + " s each)",
				"variant", "p50 us", "p99 us", "mean us", "tx/s 1 thr", "tx/s " + mode.threads() + " thr",
				"entities/s " + mode.threads() + " thr", "round trips/entity *" );
		Map<String, Object> variantsJson = new LinkedHashMap<>();
		for ( Variant v : variants ) {
			Load.Result s = single.get( v );
			Load.Result m = multi.get( v );
			long[] j = jdbc.get( v );
			int per = Math.max( 1, v.entitiesPerTx );
			table.row( v.label, Table.us( s.latency().p50() ), Table.us( s.latency().p99() ),
					Table.us( s.latency().mean() ), Table.rate( s.throughput() ), Table.rate( m.throughput() ),
					v.entitiesPerTx == 0 ? "-" : Table.rate( m.throughput() * per ),
					Table.f( (double) j[1] / j[2], 3 ) );
			Map<String, Object> vj = new LinkedHashMap<>();
			vj.put( "entitiesPerTransaction", v.entitiesPerTx );
			vj.put( "oneThread", result( s, per ) );
			vj.put( "threads" + mode.threads(), result( m, per ) );
			if ( v.entitiesPerTx > 1 ) {
				vj.put( "perEntityLatencyOneThread", s.latency().per( v.entitiesPerTx ).json() );
			}
			vj.put( "sqlStatements", j[0] );
			vj.put( "roundTrips", j[1] );
			vj.put( "entitiesWritten", v.entitiesPerTx == 0 ? 0 : j[2] );
			if ( v == WB ) {
				vj.put( "rowsFlushedByWriteBehind", j[3] );
			}
			variantsJson.put( v.key, vj );
		}
		Recorder.Summary batchPerEntity = single.get( batched ).latency().per( batched.entitiesPerTx );
		table.row( "  (batched: per entity)", Table.us( batchPerEntity.p50() ), Table.us( batchPerEntity.p99() ),
				Table.us( batchPerEntity.mean() ), "", "", "", "" );
		table.print( out );

		Recorder.Summary floor = single.get( FLOOR ).latency();
		Recorder.Summary wb = single.get( WB ).latency();
		Recorder.Summary plain = single.get( PLAIN ).latency();
		Map<String, Object> ratios = new LinkedHashMap<>();
		ratios.put( "writeBehindOverFloorP50", wb.p50() / floor.p50() );
		ratios.put( "writeBehindOverFloorMean", wb.mean() / floor.mean() );
		ratios.put( "plainOverWriteBehindP50", plain.p50() / wb.p50() );
		ratios.put( "plainOverWriteBehindMean", plain.mean() / wb.mean() );
		ratios.put( "batchedPerEntityOverWriteBehindMean", batchPerEntity.mean() / wb.mean() );
		ratios.put( "writeBehindThroughputOverPlainThroughput" + mode.threads() + "Threads",
				multi.get( WB ).throughput() / multi.get( PLAIN ).throughput() );
		out.printf( "  write-behind latency / floor: p50 %s, mean %s;  plain / write-behind: p50 %s, mean %s%n",
				Table.x( wb.p50() / floor.p50() ), Table.x( wb.mean() / floor.mean() ),
				Table.x( plain.p50() / wb.p50() ), Table.x( plain.mean() / wb.mean() ) );
		out.printf( "  write-behind throughput with %d threads: %s the plain one-tx-per-entity rate, %s the batched "
				+ "entity rate%n", mode.threads(), Table.x( multi.get( WB ).throughput() / multi.get( PLAIN ).throughput() ),
				Table.x( multi.get( WB ).throughput() / ( multi.get( batched ).throughput() * batched.entitiesPerTx ) ) );
		out.println( "  latency = createEntityManager, begin, persist(s), commit, close; write-behind's writes reach the "
				+ "database later (flushed between runs)" );
		out.println( "  * JDBC executions (a batch counts once) + commits, including the flusher's; per transaction for "
				+ "the empty one" );
		json.put( "variants", variantsJson );
		json.put( "ratios", ratios );
		return json;
	}

	private static Map<String, Object> result(Load.Result r, int entitiesPerTx) {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put( "transactions", r.operations() );
		m.put( "seconds", r.seconds() );
		m.put( "transactionsPerSecond", r.throughput() );
		m.put( "entitiesPerSecond", r.throughput() * entitiesPerTx );
		m.put( "latency", r.latency().json() );
		return m;
	}

	/** Lets the next run start from an empty write-behind queue. */
	private static void settle(Db db) {
		db.writeBehind().flush();
	}

	private static Load.Op op(Db db, Variant v, AtomicLong nextId) {
		if ( v == FLOOR ) {
			return (thread, i, random) -> {
				EntityManager em = db.emf.createEntityManager();
				try {
					EntityTransaction tx = em.getTransaction();
					tx.begin();
					tx.commit();
				}
				finally {
					em.close();
				}
			};
		}
		boolean writeBehind = v == WB;
		int n = v.entitiesPerTx;
		return (thread, i, random) -> {
			long first = nextId.getAndAdd( n );
			db.tx( em -> {
				for ( int k = 0; k < n; k++ ) {
					em.persist( writeBehind ? new WbItem( first + k ) : new PlainItem( first + k ) );
				}
			} );
		};
	}
}
