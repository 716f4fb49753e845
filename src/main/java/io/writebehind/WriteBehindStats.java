package io.writebehind;

import java.time.Duration;
import java.util.Map;

/**
 * An immutable snapshot of one persistence unit's write-behind figures, taken by {@link WriteBehind#stats()}. Counters
 * count since the {@code EntityManagerFactory} started; each has one meaning, the same here, in the Micrometer meters
 * and in the JMX attributes (docs/observability.md). An interface implemented by write-behind itself: a figure added
 * is a method added, never a constructor.
 */
public interface WriteBehindStats {

	/**
	 * The figures of one opted-in entity hierarchy (named by its root entity), as in {@link WriteBehindStats}.
	 */
	interface EntityStats {

		/** Entity ids with a write that has not reached the database. */
		long pending();

		/** Age of the oldest write that has not reached the database ({@link Duration#ZERO} when none). */
		Duration lag();

		/** Rows written. */
		long flushed();

		/** Commits merged into a pending write of the same id. */
		long coalesced();

		/** Writes refused by the database for good (not conflicts). */
		long failed();

		/** Writes whose version check failed at flush. */
		long conflicts();

		/** Writes put back in the queue after a transient failure of their flush (one per write and attempt). */
		long retries();

		/** Commits with writes of this entity refused because the queue was full. */
		long queueFullRejections();

		/**
		 * Application reads (find, getReference, association fetches) answered without SQL, from a pending write or
		 * the read cache.
		 */
		long cacheHits();

		/** Application reads that went to the database. */
		long cacheMisses();
	}

	/**
	 * The figures of the coherence of several application nodes ({@code cluster.channel}), as in
	 * {@link WriteBehindStats}; see {@code docs/several-nodes.md}.
	 */
	interface ClusterStats {

		/** The channel: {@code postgresql}, {@code redis} or another channel provider's name. */
		String channel();

		/**
		 * Whether the channel listens now (the other nodes' messages are being received); while it does not, this
		 * node caches nothing it reads from the database.
		 */
		boolean listening();

		/** Messages this node published (invalidations, flush requests, "evict everything"). */
		long messagesSent();

		/** Messages of other nodes this node received. */
		long messagesReceived();

		/** Ids evicted (or marked) because another node committed a write of them. */
		long idsEvicted();

		/**
		 * Times every clean entry was evicted because messages may have been missed (the channel listened again after
		 * an interruption).
		 */
		long gaps();

		/**
		 * Commits of this node the cluster version ledger ({@code cluster.version_check=commit}) refused because
		 * another node committed a newer version first, one per refused commit; a commit refused without asking the
		 * ledger (the id is marked with another node's newer version) is not counted.
		 */
		long commitsRefused();

		/** Ids this node asked the other nodes to write now, after the ledger refused a commit of them. */
		long flushRequestsSent();

		/** Pending writes this node wrote early because another node asked for them. */
		long flushRequestsServed();

		/**
		 * Messages received and ignored: not well-formed, or (with {@code cluster.secret}) not signed or badly signed;
		 * logged at most once a minute (see {@code docs/security.md}).
		 */
		long malformedMessages();

		/**
		 * {@code cluster.version_check=lease}: leases of buckets this node took, one database round trip each (0 in
		 * the other modes).
		 */
		default long leasesAcquired() {
			return 0;
		}

		/** {@code cluster.version_check=lease}: renewals of this node's leases (in batches, in the background). */
		default long leasesRenewed() {
			return 0;
		}

		/** {@code cluster.version_check=lease}: leases this node handed over to another node on its request. */
		default long leaseHandOvers() {
			return 0;
		}
	}

	/** The figures of the crash-durability journal ({@code journal.dir}); see {@code docs/journal.md}. */
	interface JournalStats {

		/**
		 * Committed transactions whose writes could not be appended to the journal (WB000460): they are queued and
		 * reach the database as usual, but a crash before they do loses them.
		 */
		long appendFailures();

		/**
		 * Whether the latest append failed: the writes committed since the last successful append are not crash-safe.
		 * Back to {@code false} at the next append that succeeds.
		 */
		boolean failing();
	}

	/** Entity ids whose latest committed write has not reached the database yet. */
	long pending();

	/** Rows written to the database (inserts, updates and deletes). */
	long flushed();

	/** Committed writes that were merged into a write of the same id that was still pending, so cost no statement. */
	long coalesced();

	/** Writes the database refused permanently (not conflicts); they are in {@link WriteBehind#failedWrites()}. */
	long failed();

	/** Writes that found the row changed behind our back (optimistic version check failed at flush). */
	long conflicts();

	/**
	 * Flush transactions the flusher committed (writes found already applied after a commit whose outcome was unknown
	 * ran no transaction and are not counted).
	 */
	long batches();

	/**
	 * Writes put back in the queue after a transient failure of their flush, one per write and attempt: the sum of
	 * {@link EntityStats#retries()} over the entities.
	 */
	long retries();

	/**
	 * Flush attempts that failed for a transient reason and were retried later (a flush transaction, or the row read
	 * of a replayed write): one per attempt, whatever the number of writes it carried.
	 */
	long flushFailures();

	/**
	 * Clean entities held by the read cache: pending writes are not counted, but the clean entry an id had before its
	 * pending update (the row the database still holds) is, until the update is written.
	 */
	long cacheSize();

	/**
	 * Age of the oldest committed write that has not reached the database yet: how far the database is behind
	 * ({@link Duration#ZERO} when nothing is pending).
	 */
	Duration lag();

	/** Commits refused with {@link WriteBehindQueueFullException} because the queue stayed full. */
	long queueFullRejections();

	/**
	 * Application reads of opted-in entities ({@code find}, {@code getReference}, association fetches) answered
	 * without SQL, from a pending write or the read cache.
	 */
	long cacheHits();

	/** Application reads of opted-in entities that went to the database (and then cached the row). */
	long cacheMisses();

	/** Total time spent in flush transactions that committed. */
	Duration flushTime();

	/**
	 * How long the flusher has been unable to write: the time since the first failed attempt of the current outage
	 * (flush attempts that failed for a transient reason, one after the other), {@link Duration#ZERO} when the last
	 * flush attempt succeeded. The longest over the flusher threads. A pause is not an outage.
	 */
	Duration outage();

	/** {@code queue_capacity}: the most entity ids that may have a pending write at once (compare with {@link #pending()}). */
	long queueCapacity();

	/**
	 * Room left in the queue: {@link #queueCapacity()} minus the ids that have a pending write or are being committed
	 * (room taken before completion); commits wait, then fail, when it is 0.
	 */
	long queueRemainingCapacity();

	/** Whether flushing is paused ({@link WriteBehind#pause()}). */
	boolean paused();

	/** The figures per opted-in entity hierarchy, by root entity name; immutable. */
	Map<String, EntityStats> entities();

	/**
	 * The figures of the coherence of several nodes, or {@code null} with {@code cluster.channel=none} (a single
	 * node).
	 */
	ClusterStats cluster();

	/** The figures of the journal, or {@code null} without {@code journal.dir}. */
	JournalStats journal();
}
