package io.writebehind.internal.queue;

import io.writebehind.internal.cache.EntitySnapshot;

/**
 * The pending write of one entity id: the latest committed state and what the database holds. Lives in its region's
 * pending map from the first commit until the flusher has written the latest state.
 * <p>
 * Threads: {@link #latest} is read lock-free by readers. Every other field but {@link #queuedTicket} is read and
 * written only inside {@code region.pending.compute(id, ...)}, by committing application threads and by the flusher
 * thread of {@link #partition}. {@link #queuedTicket} is written under the partition's monitor (and read there, or by the
 * partition's own flusher thread).
 */
public final class PendingWrite {

	final EntityRegion region;
	final Object id;
	final Partition partition;

	volatile EntitySnapshot latest;

	/** Commits applied to {@link #latest}; the flusher wrote up to {@link #writtenSeq}. */
	long seq;
	long writtenSeq;
	/** Whether the row exists in the database, and its version there, as of the last write (or the first commit). */
	/** Volatile for {@code EntityRegion.isPendingInsert}, which reads it without the lock. */
	volatile boolean dbExists;
	Object dbVersion;
	boolean inFlight;
	boolean removed;
	int attempts;
	/** A flush of this write failed while committing: it may have reached the database. */
	boolean uncertain;
	/** The database state is unknown (a replayed failed write): read the row before writing. */
	boolean needsRebase;

	/**
	 * Data a feature attached to {@link #latest} (the journal's place of the record that holds it), {@code null} when
	 * no feature needs any; replaced by the next commit that brings its own. Written inside the map's compute;
	 * volatile for the features' scans of the pending writes ({@link EntityRegion#attachments}).
	 */
	volatile Object attachment;
	/** A check of the row before the write is written (a write a feature recovered), or null; inside the compute. */
	RowCheck rowCheck;

	/** Ticket of the queue node that stands for this write, 0 when it is not queued. */
	volatile long queuedTicket;

	PendingWrite(EntityRegion region, Object id, Partition partition, boolean dbExists, Object dbVersion) {
		this.region = region;
		this.id = id;
		this.partition = partition;
		this.dbExists = dbExists;
		this.dbVersion = dbVersion;
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
