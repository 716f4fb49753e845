package io.writebehind.internal.queue;

import io.writebehind.internal.cache.EntitySnapshot;

/**
 * What a region asks before it caches a row or accepts a commit, for a feature that knows of writes the region does
 * not (the other nodes' commits, see {@code cluster.internal.RemoteMarks}). Called by any thread; must not block.
 */
public interface WriteGuard {

	/** Whether a row just read from the database may be cached. */
	boolean mayCache(Object id, EntitySnapshot loaded);

	/**
	 * Whether a state of the id newer than {@code version} was committed elsewhere and has not reached this node's
	 * view yet ({@code version == null}: any state counts as newer).
	 */
	boolean newerElsewhere(Object id, Object version);
}
