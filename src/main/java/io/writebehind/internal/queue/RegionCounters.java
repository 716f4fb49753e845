package io.writebehind.internal.queue;

import java.util.concurrent.atomic.LongAdder;

/**
 * The figures of one opted-in entity hierarchy ({@link EntityRegion}): cheap {@link LongAdder}s bumped by committing
 * threads and flusher threads, summed by whoever reads them (stats, JMX, Micrometer).
 */
public final class RegionCounters {
	/** Writes that reached the database (rows inserted, updated or deleted). */
	public final LongAdder flushed = new LongAdder();
	/** Committed writes merged into a pending write of the same id. */
	public final LongAdder coalesced = new LongAdder();
	/** Writes the database refused for good (not conflicts). */
	public final LongAdder failed = new LongAdder();
	/** Writes whose version check failed at flush. */
	public final LongAdder conflicts = new LongAdder();
	/** Writes put back in the queue after a transient failure of their flush. */
	public final LongAdder retries = new LongAdder();
	/** Commits with writes of this hierarchy that were refused because the queue was full. */
	public final LongAdder queueFullRejections = new LongAdder();
	/** Application reads (find, getReference, association fetches) answered from a pending write or the cache. */
	public final LongAdder cacheHits = new LongAdder();
	/** Application reads that went to the database. */
	public final LongAdder cacheMisses = new LongAdder();
}
