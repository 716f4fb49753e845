package io.writebehind.internal.queue;

import io.writebehind.internal.cache.EntitySnapshot;

/**
 * The pending write of one entity id: the latest committed state and what the database holds. Lives in its region's
 * pending map from the first commit until the flusher has written the latest state. While it is queued it is also its
 * own node in its partition's queue ({@link Partition}: no node object per write).
 * <p>
 * Threads: {@link #latest} is read lock-free by readers. The queue fields ({@link #queuedTicket},
 * {@link #enqueuedNanos}, {@link #prev}, {@link #next}) are written under the partition's monitor (and read there;
 * {@link #queuedTicket} also inside the compute, to decide whether a commit queues the write). Every other field is
 * read and written only inside {@code region.pending.compute(id, ...)}, by committing application threads and by the
 * flusher thread of the id's partition.
 * <p>
 * Memory: about one per pending id, so the fields are few and small (72 bytes with compressed references): what is
 * rarely needed lives elsewhere ({@link EntityRegion}'s row checks of recovered writes, the partition's deferrals).
 */
public final class PendingWrite {

	final EntityRegion region;
	final Object id;

	volatile EntitySnapshot latest;

	/**
	 * Commits applied to {@link #latest}, compared for equality only ({@link FlushItem#seq}: did a commit come while
	 * the item was written?), so an {@code int} that wraps is enough.
	 */
	int seq;
	/** {@link #latest} has not reached the database (the flusher has not written this {@link #seq} yet). */
	boolean unwritten;
	/** Whether the row exists in the database, and its version there, as of the last write (or the first commit). */
	/** Volatile for {@code EntityRegion.isPendingInsert}, which reads it without the lock. */
	volatile boolean dbExists;
	Object dbVersion;
	boolean inFlight;
	boolean removed;
	/** A flush of this write failed while committing: it may have reached the database. */
	boolean uncertain;
	/** The database state is unknown (a replayed failed write): read the row before writing. */
	boolean needsRebase;
	/** How often the write was attempted since it was last written (changed by the flusher thread, in the compute). */
	int attempts;

	/**
	 * Data a feature attached to {@link #latest} (the journal's place of the record that holds it), {@code null} when
	 * no feature needs any; replaced by the next commit that brings its own. Written inside the map's compute;
	 * volatile for the features' scans of the pending writes ({@link EntityRegion#attachments}).
	 */
	volatile Object attachment;

	/** Ticket of this write's place in its partition's queue, 0 when it is not queued. */
	volatile long queuedTicket;
	/** When the write took its place in the queue ({@code Ticker.read()}), for its delay and the lag. */
	long enqueuedNanos;
	/** The neighbours in its region's queue of the partition (older, newer); null at the ends or when not queued. */
	PendingWrite prev;
	PendingWrite next;

	PendingWrite(EntityRegion region, Object id, boolean dbExists, Object dbVersion) {
		this.region = region;
		this.id = id;
		this.dbExists = dbExists;
		this.dbVersion = dbVersion;
	}

	/** Inside the compute: {@code state} is the latest state of the id (a commit, a replay, a re-base), not yet written. */
	void setLatest(EntitySnapshot state) {
		latest = state;
		seq++;
		unwritten = true;
	}

	/** The partition of the id (one flusher thread applies all of its writes). */
	Partition partition() {
		return region.partitionOf( id );
	}

	/** Read by the partition's flusher thread, which is the only thread that removes writes. */
	boolean isRemovedForFlusher() {
		return removed;
	}

	public EntityRegion region() {
		return region;
	}

	public Object id() {
		return id;
	}

	@Override
	public String toString() {
		return region.entityName() + "#" + id;
	}
}
