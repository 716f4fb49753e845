package io.writebehind.cluster.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The figures of one node's coherence ({@code WriteBehindStats.ClusterStats}): counted by the publisher thread, the
 * channel's thread and committing threads, read by any thread. Each is an {@link AtomicLong}: no lock.
 */
final class CoherenceCounters {

	/** Messages handed to the channel (publisher thread). */
	final AtomicLong sent = new AtomicLong();
	/** Messages of other nodes handled (channel thread). */
	final AtomicLong received = new AtomicLong();
	/** Ids evicted because another node committed them (channel thread). */
	final AtomicLong evicted = new AtomicLong();
	/** Times every clean entry was evicted because messages may have been missed (channel thread). */
	final AtomicLong gaps = new AtomicLong();
	/** Pending writes made due early because another node asked (channel thread). */
	final AtomicLong flushRequestsServed = new AtomicLong();
	/** Commits of this node the version ledger refused (committing threads). */
	final AtomicLong commitsRefused = new AtomicLong();
	/** Ids this node asked the other nodes to write now (committing threads). */
	final AtomicLong flushRequestsSent = new AtomicLong();
	/** Messages ignored: malformed, badly signed, or failing (channel thread). */
	final AtomicLong malformed = new AtomicLong();
}
