package io.writebehind.cluster.internal;

import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.queue.EntityRegion;

/**
 * What this node tells the others about one id, queued by a committing or flusher thread for the publisher thread.
 * Immutable.
 */
sealed interface Announcement {

	EntityRegion region();

	Object id();

	/** A commit of this node: the id's new state (its version, or a removal). */
	record Committed(EntityRegion region, Object id, EntitySnapshot state) implements Announcement {
	}

	/**
	 * The flusher re-based a pending write on the database's row ({@code LAST_WRITE_WINS}, a resolver): {@code written}
	 * will be written instead of {@code before}, the latest state it held until then (its claim in the ledger).
	 */
	record Rebased(EntityRegion region, Object id, EntitySnapshot before, EntitySnapshot written)
			implements Announcement {
	}

	/** The flusher dropped a pending write (a conflict, a failure): {@code before} is the latest state it held. */
	record Dropped(EntityRegion region, Object id, EntitySnapshot before) implements Announcement {
	}

	/** {@code cluster.version_check=lease}: this node asks the holder of the bucket's lease ({@code id}) to hand it over. */
	record LeaseRequest(EntityRegion region, Object id) implements Announcement {
	}

	/** {@code cluster.version_check=lease}: this node handed the bucket ({@code id}) over to the node {@code to}. */
	record LeaseGranted(EntityRegion region, Object id, String to) implements Announcement {
	}

	/** A commit of this node was refused by the ledger: the nodes holding the id's newer version should write it now. */
	record FlushRequest(EntityRegion region, Object id) implements Announcement {
	}
}
