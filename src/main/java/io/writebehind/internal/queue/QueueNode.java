package io.writebehind.internal.queue;

/**
 * A place in a partition's queue for one pending write. Tickets grow in enqueue order, so every per-region queue is
 * sorted by ticket; a node whose ticket is no longer its write's {@link PendingWrite#queuedTicket} is stale and skipped.
 */
public final class QueueNode {
	final PendingWrite write;
	final long ticket;
	final long enqueuedNanos;
	/** Not to be written before this time (a write deferred until a row it references is written); 0 for none. */
	long notBeforeNanos;

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
