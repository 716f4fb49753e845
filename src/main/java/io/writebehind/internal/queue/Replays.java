package io.writebehind.internal.queue;

import java.util.concurrent.ConcurrentHashMap;

import io.writebehind.internal.cache.EntityCache;
import io.writebehind.internal.cache.EntitySnapshot;

/**
 * Writes a region queues again without a commit: a failed write the application retries
 * ({@code WriteBehind.retryFailed}), and a write a feature recovered at start-up (the journal's replay). Both are read
 * against their row before they are written. Any thread; every change inside the region's
 * {@code pending.compute(id, ...)} ({@link EntityRegion}).
 */
public final class Replays {

	private final EntityRegion region;
	/** The region's pending writes (its map, shared: see {@link EntityRegion}). */
	private final PendingMap pending;
	/** The region's row checks of recovered writes (see {@link EntityRegion}). */
	private final ConcurrentHashMap<Object, RowCheck> rowChecks;
	private final WriteQueue queue;
	private final EntityCache cache;

	Replays(EntityRegion region, PendingMap pending,
			ConcurrentHashMap<Object, RowCheck> rowChecks, WriteQueue queue, EntityCache cache) {
		this.region = region;
		this.pending = pending;
		this.rowChecks = rowChecks;
		this.queue = queue;
		this.cache = cache;
	}

	/**
	 * Queues a failed write again, to be written over whatever the database holds then (its row is read first).
	 * Returns false when the application committed a newer state of the id meanwhile (that state wins) or there was
	 * no room in the queue.
	 */
	public boolean failed(Object id, EntitySnapshot snapshot) {
		if ( !queue.tryReserveNow() ) {
			return false;
		}
		PendingWrite replayed = new PendingWrite( region, id, false, null );
		boolean queued = pending.computeIfAbsent( id, key -> {
			replayed.setLatest( snapshot );
			replayed.needsRebase( true );
			cache.invalidate( region, id );
			replayed.partition().enqueue( replayed );
			return replayed;
		} ) == replayed;
		if ( !queued ) {
			queue.release( 1 );
		}
		return queued;
	}

	/**
	 * At start-up, a write a feature recovered (the latest journaled state of its id): queued as pending, to be
	 * checked against the row before it is written ({@code check}, on the flusher thread: the row may hold it
	 * already, be ours to write, or be a conflict for the entity's policy). {@code known}: the row as the feature
	 * knew it. The queue takes it even beyond its capacity: an acknowledged write is never dropped.
	 * {@code cacheWhenWritten}: whether its commit's session stored into the cache (not with JPA's
	 * {@code CacheStoreMode.BYPASS}), so whether the state is kept in the read cache once written.
	 */
	public void recovered(Object id, EntitySnapshot snapshot, RowState known, RowCheck check, Object attachment,
			boolean cacheWhenWritten) {
		pending.compute( id, (key, write) -> {
			if ( write == null ) {
				write = new PendingWrite( region, id, known.exists(), known.version() );
				queue.overdraw( 1 );
			}
			write.setLatest( snapshot );
			write.needsRebase( true );
			write.cacheWhenWritten( cacheWhenWritten );
			if ( check != null ) {
				rowChecks.put( id, check );
			}
			else {
				rowChecks.remove( id );
			}
			write.attachment = attachment;
			cache.invalidate( region, id );
			write.partition().enqueue( write );
			return write;
		} );
	}
}
