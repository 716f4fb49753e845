package io.writebehind.internal.flush;

import java.util.List;

import org.hibernate.engine.spi.SharedSessionContractImplementor;

import io.writebehind.internal.queue.FlushItem;

/**
 * A feature's check inside each flush transaction, after its statements and before it commits, on its session (the
 * cluster's lease fencing: this node must still hold the leases its writes were committed under). Called by flusher
 * threads; throws {@link Fenced} when the writes may no longer land (the transaction rolls back, the batch is split,
 * and a write fenced alone is reported as a {@code CONFLICT} failed write, without the conflict policy: re-basing it
 * would write it over a row another node owns now); any other exception is handled as a failure of the transaction.
 */
public interface FlushFence {

	void check(List<FlushItem> items, SharedSessionContractImplementor session);

	/**
	 * A write recovered at start-up (replayed from the journal) that the feature knows may not land, before its row is
	 * read: the reason, reported as for {@link Fenced}; {@code null} (the default) to check and write it as usual.
	 * Called by flusher threads for recovered writes only.
	 */
	default String refused(FlushItem item) {
		return null;
	}

	/** The writes of a flush transaction may no longer land (see {@link FlushFence}). */
	final class Fenced extends RuntimeException {
		private static final long serialVersionUID = 1L;

		public Fenced(String message) {
			super( message );
		}
	}
}
