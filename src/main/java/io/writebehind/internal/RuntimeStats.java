package io.writebehind.internal;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import io.writebehind.WriteBehindStats;
import io.writebehind.internal.cache.EntityCache;
import io.writebehind.internal.flush.FlushCounters;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.RegionCounters;
import io.writebehind.internal.queue.WriteQueue;

/**
 * The figures of one runtime as the public {@link WriteBehindStats} snapshot, read from the queue, the flusher's
 * counters, the regions' counters, the cache and the cluster coherence. Holds no state of its own: thread-safe.
 */
final class RuntimeStats {

	private final WriteQueue queue;
	private final FlushCounters counters;
	private final EntityCache cache;
	private final String clusterChannel;
	private final Supplier<io.writebehind.cluster.internal.ClusterCoherence> coherence;
	private final Supplier<io.writebehind.internal.journal.JournalSupport> journal;

	RuntimeStats(WriteQueue queue, FlushCounters counters, EntityCache cache, String clusterChannel,
			Supplier<io.writebehind.cluster.internal.ClusterCoherence> coherence,
			Supplier<io.writebehind.internal.journal.JournalSupport> journal) {
		this.journal = journal;
		this.queue = queue;
		this.counters = counters;
		this.cache = cache;
		this.clusterChannel = clusterChannel;
		this.coherence = coherence;
	}

	WriteBehindStats stats() {
		Map<String, WriteBehindStats.EntityStats> entities = new TreeMap<>();
		for ( EntityRegion region : queue.regions() ) {
			entities.put( region.entityName(), entityStats( region ) );
		}
		return new StatsSnapshot( queue.pending(), Duration.ofNanos( queue.lagNanos() ), counters.flushed(),
				queue.coalesced(), counters.failed(), counters.conflicts(), counters.batches(), counters.retries(),
				counters.flushFailures(), Duration.ofNanos( counters.flushNanos() ), queue.queueFullRejections(),
				queue.capacity(), queue.remainingCapacity(), cache.size(), cacheHits(), cacheMisses(), queue.isPaused(),
				Duration.ofNanos( counters.outageNanos() ), entities, clusterStats(), journalStats() );
	}

	/** The figures of the journal; {@code null} without {@code journal.dir}. */
	private WriteBehindStats.JournalStats journalStats() {
		io.writebehind.internal.journal.JournalSupport j = journal.get();
		return j == null ? null : new StatsSnapshot.Journal( j.appendFailures(), j.failing() );
	}

	/** The figures of the cross-node coherence; {@code null} with {@code cluster.channel=none}. */
	WriteBehindStats.ClusterStats clusterStats() {
		io.writebehind.cluster.internal.ClusterCoherence c = coherence.get();
		if ( c == null ) {
			return null;
		}
		return new StatsSnapshot.Cluster( clusterChannel, c.listening(), c.messagesSent(),
				c.messagesReceived(), c.idsEvicted(), c.gaps(), c.commitsRefused(), c.flushRequestsSent(),
				c.flushRequestsServed(), c.malformedMessages(), c.leasesAcquired(), c.leasesRenewed(), c.leaseHandOvers() );
	}

	WriteBehindStats.EntityStats entityStats(EntityRegion region) {
		RegionCounters c = region.counters();
		return new StatsSnapshot.Entity( region.pendingCount(), Duration.ofNanos( queue.lagNanos( region ) ),
				c.flushed.sum(), c.coalesced.sum(), c.failed.sum(), c.conflicts.sum(), c.retries.sum(),
				c.queueFullRejections.sum(), c.cacheHits.sum(), c.cacheMisses.sum() );
	}

	/** Application reads of opted-in entities answered without SQL (pending write or cache), all regions. */
	long cacheHits() {
		long sum = 0;
		for ( EntityRegion region : queue.regions() ) {
			sum += region.counters().cacheHits.sum();
		}
		return sum;
	}

	/** Application reads of opted-in entities that went to the database, all regions. */
	long cacheMisses() {
		long sum = 0;
		for ( EntityRegion region : queue.regions() ) {
			sum += region.counters().cacheMisses.sum();
		}
		return sum;
	}
}
