package io.writebehind.internal.queue;

/**
 * The place in a partition's queue that a flush cycle took for one pending write: the write, and the ticket and
 * enqueue time it had there, so that a write the cycle puts back ({@link Partition#requeueFront},
 * {@link Partition#defer}) returns to that place even if a commit queued it again meanwhile. Created by
 * {@link Partition#awaitDue} for the writes of one cycle only (a queued write is its own list node); owned by the
 * partition's flusher thread.
 */
public final class QueueNode {
	final PendingWrite write;
	final long ticket;
	final long enqueuedNanos;

	QueueNode(PendingWrite write, long ticket, long enqueuedNanos) {
		this.write = write;
		this.ticket = ticket;
		this.enqueuedNanos = enqueuedNanos;
	}

	/** Called by the partition's flusher thread: starts writing; {@code null} when there is nothing to write. */
	public FlushItem beginWrite() {
		return write.region.outcomes().beginWrite( this );
	}
}
