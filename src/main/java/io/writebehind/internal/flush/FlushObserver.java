package io.writebehind.internal.flush;

import java.util.List;

import io.writebehind.internal.queue.FlushItem;

/**
 * A feature told which writes reached the database (the journal, which then need not replay them). Called by a
 * flusher thread after the flush transaction committed, before the writes leave their regions; must not throw.
 */
public interface FlushObserver {

	void written(List<FlushItem> items);
}
