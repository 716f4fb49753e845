package io.writebehind.internal.queue;

import io.writebehind.internal.cache.EntitySnapshot;

/**
 * A check a feature attaches to a write it recovered (the journal's replay at start-up): before the write is written,
 * the flusher reads the id's row and asks the check what to do. Held by the pending write until the row is checked or
 * the write is re-based; called on the flusher thread of the write's partition.
 */
public interface RowCheck {

	/** What the row tells of the write. */
	sealed interface Verdict permits Applied, Write, Conflict {
	}

	/** The row already holds the write: nothing is written. */
	record Applied() implements Verdict {
	}

	/** The write is written, over the row as it is. */
	record Write() implements Verdict {
	}

	/** The row changed in a way the write did not expect: a conflict, for the entity's policy. */
	record Conflict(String reason) implements Verdict {
	}

	Verdict APPLIED = new Applied();
	Verdict WRITE = new Write();

	/** Decides what happens to {@code state}, the write of an id of {@code region}, given the id's row. */
	Verdict check(EntityRegion region, EntitySnapshot state, RowState row);
}
