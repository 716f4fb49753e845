package io.writebehind.jmx;

import java.util.Map;

/**
 * The management interface of one persistence unit's write-behind, registered with the platform MBean server at boot
 * as {@code io.writebehind:type=WriteBehind,unit="<persistence unit>"} (with {@code ,id=<n>} added when another unit
 * of the same name is registered already) and unregistered when the {@code EntityManagerFactory} closes. Turned off by
 * {@code hibernate.writebehind.jmx.enabled=false}. The attributes are those of {@link io.writebehind.WriteBehindStats};
 * the operations those of {@link io.writebehind.WriteBehind}.
 */
public interface WriteBehindMBean {

	/** The persistence unit's name. */
	String getPersistenceUnit();

	/** Entity ids whose latest committed write has not reached the database yet. */
	long getPending();

	/** Age, in milliseconds, of the oldest committed write that has not reached the database (0 when none). */
	long getLagMillis();

	long getFlushed();

	long getCoalesced();

	long getFailed();

	long getConflicts();

	/** Writes put back in the queue after a transient failure of their flush (one per write and attempt). */
	long getRetries();

	/** Flush attempts that failed for a transient reason and were retried (one per attempt). */
	long getFlushFailures();

	/** Flush transactions committed. */
	long getBatches();

	/** Total time spent in flush transactions that committed, in milliseconds. */
	long getFlushTimeMillis();

	long getQueueFullRejections();

	/** Room left in the queue ({@code queue_capacity} minus the ids with a pending write). */
	long getQueueRemainingCapacity();

	/** Application reads of opted-in entities answered without SQL (pending write or read cache). */
	long getCacheHits();

	/** Application reads of opted-in entities that went to the database. */
	long getCacheMisses();

	long getCacheSize();

	/** Writes kept in {@code WriteBehind.failedWrites()}. */
	int getFailedWriteCount();

	boolean isPaused();

	/** Pending writes per opted-in entity (root entity name). */
	Map<String, Long> getPendingByEntity();

	/** Lag in milliseconds per opted-in entity (root entity name). */
	Map<String, Long> getLagMillisByEntity();

	/** Committed transactions whose writes could not be appended to the journal (0 without {@code journal.dir}). */
	long getJournalAppendFailures();

	/** Whether the latest journal append failed: writes committed since are not crash-safe ({@code false} without a journal). */
	boolean isJournalFailing();

	/**
	 * {@code cluster.channel}: {@code none}, {@code postgresql}, {@code redis} or a channel provider's name. The
	 * {@code Cluster...} attributes are those of {@link io.writebehind.WriteBehindStats.ClusterStats}; with
	 * {@code none} they are {@code false} and 0.
	 */
	String getClusterChannel();

	/** Whether the coherence channel listens now (the other nodes' messages are being received). */
	boolean isClusterListening();

	/** Coherence messages this node published. */
	long getClusterMessagesSent();

	/** Coherence messages of other nodes this node received. */
	long getClusterMessagesReceived();

	/** Ids evicted because another node committed a write of them. */
	long getClusterIdsEvicted();

	/** Times every clean entry was evicted because coherence messages may have been missed. */
	long getClusterGaps();

	/** Commits of this node the cluster version ledger refused (one per refused commit). */
	long getClusterCommitsRefused();

	/** Ids this node asked the other nodes to write now, after the version ledger refused a commit of them. */
	long getClusterFlushRequestsSent();

	/** Pending writes this node wrote early because another node asked for them. */
	long getClusterFlushRequestsServed();

	/** Coherence messages received and ignored: malformed, or not signed (or badly signed) with {@code cluster.secret}. */
	long getClusterMalformedMessages();

	/** {@code cluster.version_check=lease}: leases of buckets this node took (one database round trip each). */
	long getClusterLeasesAcquired();

	/** {@code cluster.version_check=lease}: renewals of this node's leases. */
	long getClusterLeasesRenewed();

	/** {@code cluster.version_check=lease}: leases this node handed over to another node on its request. */
	long getClusterLeaseHandOvers();

	/**
	 * Waits up to {@code timeoutMillis} for every write committed before the call to reach the database; returns
	 * whether it did ({@code false} at once while paused).
	 */
	boolean flush(long timeoutMillis);

	/** Queues the failed writes again (see {@code WriteBehind.retryFailed()}); returns how many. */
	int retryFailed();

	/** Forgets the failed writes; returns how many there were. */
	int discardFailed();

	/** Stops writing to the database; commits are still accepted up to {@code queue_capacity}. */
	void pause();

	/** Writes again, everything queued meanwhile at once. */
	void resume();
}
