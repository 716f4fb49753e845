package io.writebehind;

import java.time.Duration;
import java.util.Map;

/**
 * An immutable snapshot of one persistence unit's write-behind figures, taken by {@link WriteBehind#stats()}. Counters
 * count since the {@code EntityManagerFactory} started.
 */
public final class WriteBehindStats {

	private final long pending;
	private final long flushed;
	private final long coalesced;
	private final long failed;
	private final long conflicts;
	private final long batches;
	private final long retries;
	private final long flushFailures;
	private final long cacheSize;
	private final Duration lag;
	private final long queueFullRejections;
	private final long cacheHits;
	private final long cacheMisses;
	private final Duration flushTime;
	private final boolean paused;
	private final Map<String, EntityStats> entities;
	private final ClusterStats cluster;
	private final Duration outage;
	private final long queueCapacity;

	/**
	 * The figures of one opted-in entity hierarchy (named by its root entity), as in {@link WriteBehindStats}.
	 *
	 * @param pending entity ids with a write that has not reached the database
	 * @param lag age of the oldest write that has not reached the database ({@link Duration#ZERO} when none)
	 * @param flushed rows written
	 * @param coalesced commits merged into a pending write of the same id
	 * @param failed writes refused by the database for good (not conflicts)
	 * @param conflicts writes whose version check failed at flush
	 * @param retries writes put back in the queue after a transient failure of their flush (one per write and attempt)
	 * @param queueFullRejections commits with writes of this entity refused because the queue was full
	 * @param cacheHits application reads (find, getReference, association fetches) answered without SQL, from a
	 * pending write or the read cache
	 * @param cacheMisses application reads that went to the database
	 */
	public record EntityStats(long pending, Duration lag, long flushed, long coalesced, long failed, long conflicts,
			long retries, long queueFullRejections, long cacheHits, long cacheMisses) {
	}

	/**
	 * The figures of the coherence of several application nodes ({@code cluster.channel}), as in
	 * {@link WriteBehindStats}; see {@code docs/several-nodes.md}.
	 *
	 * @param channel the channel: {@code postgresql} or {@code redis}
	 * @param listening whether the channel listens now (the other nodes' messages are being received); while it does
	 * not, this node caches nothing it reads from the database
	 * @param messagesSent messages this node published (invalidations, flush requests, "evict everything")
	 * @param messagesReceived messages of other nodes this node received
	 * @param idsEvicted ids evicted (or marked) because another node committed a write of them
	 * @param gaps times every clean entry was evicted because messages may have been missed (the channel listened
	 * again after an interruption)
	 * @param commitsRefused commits of this node the cluster version ledger ({@code cluster.version_check=commit})
	 * refused because another node committed a newer version first, one per refused commit; a commit refused without
	 * asking the ledger (the id is marked with another node's newer version) is not counted
	 * @param flushRequestsSent ids this node asked the other nodes to write now, after the ledger refused a commit of
	 * them
	 * @param flushRequestsServed pending writes this node wrote early because another node asked for them
	 * @param malformedMessages messages received and ignored: not well-formed, or (with {@code cluster.secret}) not
	 * signed or badly signed; logged at most once a minute (see {@code docs/security.md})
	 */
	public record ClusterStats(String channel, boolean listening, long messagesSent, long messagesReceived,
			long idsEvicted, long gaps, long commitsRefused, long flushRequestsSent, long flushRequestsServed,
			long malformedMessages) {

		/** For the library's own use. */
		public ClusterStats(String channel, boolean listening, long messagesSent, long messagesReceived,
				long idsEvicted, long gaps, long commitsRefused, long flushRequestsSent, long flushRequestsServed) {
			this( channel, listening, messagesSent, messagesReceived, idsEvicted, gaps, commitsRefused,
					flushRequestsSent, flushRequestsServed, 0 );
		}
	}

	/** For the library's own use. */
	public WriteBehindStats(long pending, long flushed, long coalesced, long failed, long conflicts, long batches,
			long retries, long cacheSize) {
		this( pending, flushed, coalesced, failed, conflicts, batches, retries, cacheSize, Duration.ZERO, 0, 0, 0,
				Duration.ZERO, false, Map.of() );
	}

	/** For the library's own use. */
	public WriteBehindStats(long pending, long flushed, long coalesced, long failed, long conflicts, long batches,
			long retries, long cacheSize, Duration lag, long queueFullRejections, long cacheHits, long cacheMisses,
			Duration flushTime, boolean paused, Map<String, EntityStats> entities) {
		this( pending, flushed, coalesced, failed, conflicts, batches, retries, cacheSize, lag, queueFullRejections,
				cacheHits, cacheMisses, flushTime, paused, entities, null );
	}

	/** For the library's own use. */
	public WriteBehindStats(long pending, long flushed, long coalesced, long failed, long conflicts, long batches,
			long retries, long cacheSize, Duration lag, long queueFullRejections, long cacheHits, long cacheMisses,
			Duration flushTime, boolean paused, Map<String, EntityStats> entities, ClusterStats cluster) {
		this( pending, flushed, coalesced, failed, conflicts, batches, retries, cacheSize, lag, queueFullRejections,
				cacheHits, cacheMisses, flushTime, paused, entities, cluster, Duration.ZERO, 0 );
	}

	/** For the library's own use. */
	public WriteBehindStats(long pending, long flushed, long coalesced, long failed, long conflicts, long batches,
			long retries, long cacheSize, Duration lag, long queueFullRejections, long cacheHits, long cacheMisses,
			Duration flushTime, boolean paused, Map<String, EntityStats> entities, ClusterStats cluster,
			Duration outage, long queueCapacity) {
		this( pending, flushed, coalesced, failed, conflicts, batches, retries, 0, cacheSize, lag, queueFullRejections,
				cacheHits, cacheMisses, flushTime, paused, entities, cluster, outage, queueCapacity );
	}

	/** For the library's own use. */
	public WriteBehindStats(long pending, long flushed, long coalesced, long failed, long conflicts, long batches,
			long retries, long flushFailures, long cacheSize, Duration lag, long queueFullRejections, long cacheHits,
			long cacheMisses, Duration flushTime, boolean paused, Map<String, EntityStats> entities,
			ClusterStats cluster, Duration outage, long queueCapacity) {
		this.flushFailures = flushFailures;
		this.outage = outage;
		this.queueCapacity = queueCapacity;
		this.cluster = cluster;
		this.lag = lag;
		this.queueFullRejections = queueFullRejections;
		this.cacheHits = cacheHits;
		this.cacheMisses = cacheMisses;
		this.flushTime = flushTime;
		this.paused = paused;
		this.entities = Map.copyOf( entities );
		this.pending = pending;
		this.flushed = flushed;
		this.coalesced = coalesced;
		this.failed = failed;
		this.conflicts = conflicts;
		this.batches = batches;
		this.retries = retries;
		this.cacheSize = cacheSize;
	}

	/** Entity ids whose latest committed write has not reached the database yet. */
	public long pending() {
		return pending;
	}

	/** Rows written to the database (inserts, updates and deletes). */
	public long flushed() {
		return flushed;
	}

	/** Committed writes that were merged into a write of the same id that was still pending, so cost no statement. */
	public long coalesced() {
		return coalesced;
	}

	/** Writes the database refused permanently (not conflicts); they are in {@link WriteBehind#failedWrites()}. */
	public long failed() {
		return failed;
	}

	/** Writes that found the row changed behind our back (optimistic version check failed at flush). */
	public long conflicts() {
		return conflicts;
	}

	/**
	 * Flush transactions the flusher committed (writes found already applied after a commit whose outcome was unknown
	 * ran no transaction and are not counted).
	 */
	public long batches() {
		return batches;
	}

	/**
	 * Writes put back in the queue after a transient failure of their flush, one per write and attempt: the sum of
	 * {@link EntityStats#retries()} over the entities.
	 */
	public long retries() {
		return retries;
	}

	/**
	 * Flush attempts that failed for a transient reason and were retried later (a flush transaction, or the row read
	 * of a replayed write): one per attempt, whatever the number of writes it carried.
	 */
	public long flushFailures() {
		return flushFailures;
	}

	/** Clean entities held by the read cache (entities with a pending write are not counted). */
	public long cacheSize() {
		return cacheSize;
	}

	/**
	 * Age of the oldest committed write that has not reached the database yet: how far the database is behind
	 * ({@link Duration#ZERO} when nothing is pending).
	 */
	public Duration lag() {
		return lag;
	}

	/** Commits refused with {@link WriteBehindQueueFullException} because the queue stayed full. */
	public long queueFullRejections() {
		return queueFullRejections;
	}

	/**
	 * Application reads of opted-in entities ({@code find}, {@code getReference}, association fetches) answered
	 * without SQL, from a pending write or the read cache.
	 */
	public long cacheHits() {
		return cacheHits;
	}

	/** Application reads of opted-in entities that went to the database (and then cached the row). */
	public long cacheMisses() {
		return cacheMisses;
	}

	/** Total time spent in flush transactions that committed. */
	public Duration flushTime() {
		return flushTime;
	}

	/**
	 * How long the flusher has been unable to write: the time since the first failed attempt of the current outage
	 * (flush attempts that failed for a transient reason, one after the other), {@link Duration#ZERO} when the last
	 * flush attempt succeeded. The longest over the flusher threads. A pause is not an outage.
	 */
	public Duration outage() {
		return outage;
	}

	/** {@code queue_capacity}: the most entity ids that may have a pending write at once (compare with {@link #pending()}). */
	public long queueCapacity() {
		return queueCapacity;
	}

	/** Whether flushing is paused ({@link WriteBehind#pause()}). */
	public boolean paused() {
		return paused;
	}

	/** The figures per opted-in entity hierarchy, by root entity name; immutable. */
	public Map<String, EntityStats> entities() {
		return entities;
	}

	/**
	 * The figures of the coherence of several nodes, or {@code null} with {@code cluster.channel=none} (a single
	 * node).
	 */
	public ClusterStats cluster() {
		return cluster;
	}

	@Override
	public String toString() {
		return "WriteBehindStats[pending=" + pending + ", lag=" + lag.toMillis() + "ms, flushed=" + flushed
				+ ", coalesced=" + coalesced + ", failed=" + failed + ", conflicts=" + conflicts + ", batches=" + batches
				+ ", retries=" + retries + ", flushFailures=" + flushFailures + ", queueFullRejections=" + queueFullRejections + ", cacheSize=" + cacheSize
				+ ", cacheHits=" + cacheHits + ", cacheMisses=" + cacheMisses + ", flushTime=" + flushTime.toMillis()
				+ "ms, paused=" + paused + ", outage=" + outage.toMillis() + "ms, queueCapacity=" + queueCapacity
				+ ", entities=" + entities + ( cluster == null ? "" : ", cluster=" + cluster ) + "]";
	}
}
