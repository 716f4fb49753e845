package io.writebehind.examples.benchmark;

import java.util.LinkedHashMap;
import java.util.Map;

/** The sizes of a run: {@link #QUICK} (the whole run under 2 minutes on 2 cores) or {@link #FULL}. */
public record Mode(String name, int threads, double warmUpSeconds, double latencySeconds, int batchedTxSize,
		long hotUpdates, int hotIds, int drainRows, int reads, int pendingWrites, double overloadSeconds,
		int overloadQueueCapacity, int overloadEntitiesPerCommit, int invalidationRounds, int commitRounds,
		double commitRoundSeconds) {

	public static final Mode QUICK = new Mode( "quick", 4, 0.5, 1.5, 1_000, 200_000, 1_000, 30_000, 3_000, 100_000,
			10, 10_000, 20, 50, 8, 0.4 );
	public static final Mode FULL = new Mode( "full", 4, 3, 10, 1_000, 1_000_000, 1_000, 200_000, 20_000, 1_000_000,
			60, 10_000, 20, 300, 20, 1.5 );

	public Map<String, Object> json() {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put( "mode", name );
		m.put( "threads", threads );
		m.put( "warmUpSecondsPerVariant", warmUpSeconds );
		m.put( "measuredSecondsPerVariant", latencySeconds );
		m.put( "batchedTransactionSize", batchedTxSize );
		m.put( "hotKeyUpdates", hotUpdates );
		m.put( "hotIds", hotIds );
		m.put( "drainRows", drainRows );
		m.put( "readAfterWriteReads", reads );
		m.put( "memoryPendingWrites", pendingWrites );
		m.put( "overloadSeconds", overloadSeconds );
		m.put( "overloadQueueCapacity", overloadQueueCapacity );
		m.put( "overloadEntitiesPerCommit", overloadEntitiesPerCommit );
		m.put( "invalidationRounds", invalidationRounds );
		m.put( "commitCostRounds", commitRounds );
		m.put( "commitCostSecondsPerRound", commitRoundSeconds );
		return m;
	}
}
