package io.writebehind.examples.benchmark;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;
import io.writebehind.examples.support.PoolingConnectionProvider;

/**
 * Scenario 8, the flush before a query (query_consistency=FLUSH): N writes of one entity are pending; a JPQL count
 * query must see them, so write-behind flushes them first. Measured: the query's latency with that flush, and the
 * JDBC round trips it took, against N (one batched flush per table: about N / jdbc batch size executions, not N).
 */
final class QueryFlush {

	private QueryFlush() {
	}

	static Map<String, Object> run(Env env, Mode mode, boolean progress, PrintStream out) {
		Map<String, Object> json = new LinkedHashMap<>();
		Table table = new Table( "8. flush before a query: N pending writes, then select count(*) of the entity",
				"pending writes", "query ms (with flush)", "JDBC round trips", "round trips / pending write",
				"rows written" );
		int[] sizes = mode == Mode.QUICK ? new int[] { 100, 1_000, 10_000 } : new int[] { 100, 1_000, 10_000, 100_000 };
		long nextId = 1;
		try ( Db db = Db.open( env, Map.of( WriteBehindSettings.MAX_DELAY_MS, "3600000",
				WriteBehindSettings.FLUSH_THRESHOLD, "1000000", WriteBehindSettings.QUEUE_CAPACITY, "1000000" ) ) ) {
			for ( int n : sizes ) {
				long first = nextId;
				nextId += n;
				int chunk = 1000;
				for ( long start = first; start < first + n; start += chunk ) {
					long from = start;
					long to = Math.min( first + n, start + chunk );
					db.tx( em -> {
						for ( long id = from; id < to; id++ ) {
							em.persist( new WbItem( id ) );
						}
					} );
				}
				WriteBehindStats before = db.writeBehind().stats();
				PoolingConnectionProvider.Counts countsBefore = db.pool.counts();
				long start = System.nanoTime();
				long[] seen = new long[1];
				db.tx( em -> seen[0] = em.createQuery( "select count(i) from WbItem i", Long.class ).getSingleResult() );
				double ms = ( System.nanoTime() - start ) / 1e6;
				PoolingConnectionProvider.Counts used = db.pool.counts().minus( countsBefore );
				long written = db.writeBehind().stats().flushed() - before.flushed();
				if ( seen[0] < first + n - 1 ) {
					throw new IllegalStateException( "the query did not see the pending writes: " + seen[0] );
				}
				table.row( Table.n( n ), Table.f( ms, 1 ), Table.n( used.roundTrips() ),
						Table.f( (double) used.roundTrips() / n, 4 ), Table.n( written ) );
				Map<String, Object> row = new LinkedHashMap<>();
				row.put( "pendingWrites", n );
				row.put( "queryMillisWithFlush", ms );
				row.put( "jdbcRoundTrips", used.roundTrips() );
				row.put( "rowsWritten", written );
				json.put( "pending" + n, row );
			}
		}
		table.print( out );
		out.println( "  round trips include the query itself and the flush transaction's commit; jdbc batch size 500" );
		return json;
	}
}
