package io.writebehind.internal.queue;

import io.writebehind.FailedWrite.Operation;
import io.writebehind.internal.cache.EntitySnapshot;

/**
 * One write the flusher applies in a cycle: an immutable picture of a {@link PendingWrite} taken when the cycle
 * started. Owned by the flusher thread of the write's partition.
 */
public final class FlushItem {

	public final PendingWrite write;
	/**
	 * The write's region and the snapshot's concrete entity name, copied here when the cycle starts: the flusher's
	 * passes over a cycle's items (sorting, runs of one statement, counters) then read only the items themselves.
	 */
	private final EntityRegion region;
	public final String entityName;
	/** The place in the partition's queue the cycle took the write from (where it goes back if it is not written). */
	public final QueueNode node;
	public final EntitySnapshot snapshot;
	final int seq;
	/** The version the row has in the database now (the {@code where version = ?} value), or null. */
	public final Object dbVersion;
	public final Operation operation;
	/** An earlier flush of this write failed while committing: it may already be in the database. */
	public final boolean uncertain;
	/** The row must be read first: the write is replayed over whatever the database holds now. */
	public final boolean needsRebase;

	/**
	 * The feature data of {@link #snapshot} (or an older state of the id), taken with it
	 * ({@link PendingWrite#attachment}); {@code null} when none. Once the item is written, the flush observers are told (the journal: a restart does not
	 * replay it).
	 */
	public final Object attachment;
	/** Non-null for a write a feature recovered, whose row must be checked before it is written. */
	public final RowCheck rowCheck;
	/**
	 * Whether the flusher's current attempt at the cycle's writes is done with this item (written, found applied or
	 * re-based), so that a transient failure later in the attempt does not put it back. Owned by the flusher thread.
	 */
	public boolean settled;

	FlushItem(PendingWrite write, QueueNode node, EntitySnapshot snapshot, int seq, Object dbVersion, Operation operation,
			boolean uncertain, boolean needsRebase, Object attachment, RowCheck rowCheck) {
		this.write = write;
		this.region = write.region;
		this.entityName = snapshot.entityName();
		this.node = node;
		this.snapshot = snapshot;
		this.seq = seq;
		this.dbVersion = dbVersion;
		this.operation = operation;
		this.uncertain = uncertain;
		this.needsRebase = needsRebase;
		this.attachment = attachment;
		this.rowCheck = rowCheck;
	}

	public EntityRegion region() {
		return region;
	}

	/** Where the flusher records how this item's write ended. */
	public WriteOutcomes outcomes() {
		return region.outcomes();
	}

	public Object id() {
		return write.id;
	}

	@Override
	public String toString() {
		return operation + " " + write;
	}
}
