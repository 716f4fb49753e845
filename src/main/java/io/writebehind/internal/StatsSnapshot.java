package io.writebehind.internal;

import java.time.Duration;
import java.util.Map;

import io.writebehind.WriteBehindStats;

/** The library's {@link WriteBehindStats}: an immutable snapshot taken by {@link RuntimeStats}. */
public record StatsSnapshot(long pending, Duration lag, long flushed, long coalesced, long failed, long conflicts,
		long batches, long retries, long flushFailures, Duration flushTime, long queueFullRejections, long queueCapacity,
		long queueRemainingCapacity, long cacheSize, long cacheHits, long cacheMisses, boolean paused, Duration outage,
		Map<String, EntityStats> entities, ClusterStats cluster, JournalStats journal) implements WriteBehindStats {

	public StatsSnapshot {
		entities = Map.copyOf( entities );
	}

	@Override
	public String toString() {
		return "WriteBehindStats[pending=" + pending + ", lag=" + lag.toMillis() + "ms, flushed=" + flushed
				+ ", coalesced=" + coalesced + ", failed=" + failed + ", conflicts=" + conflicts + ", batches=" + batches
				+ ", retries=" + retries + ", flushFailures=" + flushFailures + ", queueFullRejections="
				+ queueFullRejections + ", cacheSize=" + cacheSize + ", cacheHits=" + cacheHits + ", cacheMisses="
				+ cacheMisses + ", flushTime=" + flushTime.toMillis() + "ms, paused=" + paused + ", outage="
				+ outage.toMillis() + "ms, queueCapacity=" + queueCapacity + ", queueRemainingCapacity="
				+ queueRemainingCapacity + ", entities=" + entities + ( cluster == null ? "" : ", cluster=" + cluster )
				+ ( journal == null ? "" : ", journal=" + journal ) + "]";
	}

	/** The library's {@link WriteBehindStats.EntityStats}. */
	public record Entity(long pending, Duration lag, long flushed, long coalesced, long failed, long conflicts,
			long retries, long queueFullRejections, long cacheHits, long cacheMisses) implements EntityStats {

		@Override
		public String toString() {
			return "EntityStats[pending=" + pending + ", lag=" + lag + ", flushed=" + flushed + ", coalesced="
					+ coalesced + ", failed=" + failed + ", conflicts=" + conflicts + ", retries=" + retries
					+ ", queueFullRejections=" + queueFullRejections + ", cacheHits=" + cacheHits + ", cacheMisses="
					+ cacheMisses + "]";
		}
	}

	/** The library's {@link WriteBehindStats.ClusterStats}. */
	public record Cluster(String channel, boolean listening, long messagesSent, long messagesReceived, long idsEvicted,
			long gaps, long commitsRefused, long flushRequestsSent, long flushRequestsServed, long malformedMessages,
			long leasesAcquired, long leasesRenewed, long leaseHandOvers) implements ClusterStats {

		@Override
		public String toString() {
			return "ClusterStats[channel=" + channel + ", listening=" + listening + ", messagesSent=" + messagesSent
					+ ", messagesReceived=" + messagesReceived + ", idsEvicted=" + idsEvicted + ", gaps=" + gaps
					+ ", commitsRefused=" + commitsRefused + ", flushRequestsSent=" + flushRequestsSent
					+ ", flushRequestsServed=" + flushRequestsServed + ", malformedMessages=" + malformedMessages
					+ ", leasesAcquired=" + leasesAcquired + ", leasesRenewed=" + leasesRenewed + ", leaseHandOvers="
					+ leaseHandOvers + "]";
		}
	}

	/** The library's {@link WriteBehindStats.JournalStats}. */
	public record Journal(long appendFailures, boolean failing) implements JournalStats {

		@Override
		public String toString() {
			return "JournalStats[appendFailures=" + appendFailures + ", failing=" + failing + "]";
		}
	}
}
