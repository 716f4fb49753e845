package io.writebehind.internal.queue;

import io.writebehind.internal.cache.EntitySnapshot;

/**
 * What one compute of a pending write did ({@code pending.compute(id, ...)}), for the calling thread to act on once
 * the map's lock is released: give back the room of a write that left the map, hand out the item to write, tell the
 * rewrite observer. Created per call and confined to the calling thread.
 */
final class Change {
	/** The item the flusher is to write ({@link WriteOutcomes#beginWrite}); null when there is nothing to write. */
	FlushItem item;
	/** The pending write left the map: its room in the queue is given back after the compute. */
	boolean removed;
	/** A new pending write was created: it took a unit of the queue's capacity. */
	boolean created;
	/** An earlier attempt of an uncertain write was found in its row ({@link WriteOutcomes#priorAttemptApplied}). */
	boolean priorAttemptApplied;
	/** The latest committed state before the compute. */
	EntitySnapshot before;
	/** The latest committed state after it ({@code null}: the write was dropped). */
	EntitySnapshot after;
	/** The row as the pending write knows it ({@link EntityRegion#knownRow}). */
	RowState row;
}
