package io.writebehind.internal.queue;

import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLongArray;

import io.writebehind.internal.cache.EntityCache;
import io.writebehind.internal.cache.EntitySnapshot;

/**
 * Decides whether a row an application thread read from the database may be cached for one region: not while a write
 * of the id is pending, not when a write of the id reached the database (or someone else's write evicted it) since the
 * read began, which the per-stripe stamps tell (checked at the store itself, inside the cache entry's compute); not
 * when the region's {@link WriteGuard} refuses; never under snapshot reads. Takes no lock of its own; used by any
 * thread.
 */
final class LoadGuard {

	private static final int STRIPES = 1024;

	private final EntityRegion region;
	private final EntityCache cache;
	/** The region's version order, {@code null} when unversioned (the cache then keeps any loaded row). */
	private final Comparator<Object> versionOrder;
	/** Per stripe of ids: bumped when a write leaves the queue or an id is evicted (see {@link #stamp}). */
	private final AtomicLongArray stamps = new AtomicLongArray( STRIPES );
	/** Set at boot by the integrator, read by loading threads. */
	private volatile boolean snapshotReads;

	LoadGuard(EntityRegion region, EntityCache cache, Comparator<Object> versionOrder) {
		this.region = region;
		this.cache = cache;
		this.versionOrder = versionOrder;
	}

	void snapshotReads(boolean snapshotReads) {
		this.snapshotReads = snapshotReads;
	}

	long stamp(Object id) {
		return stamps.get( stripe( id ) );
	}

	void bump(Object id) {
		stamps.incrementAndGet( stripe( id ) );
	}

	/** Every stamp moves: a database read racing this is not cached. */
	void bumpAll() {
		for ( int i = 0; i < STRIPES; i++ ) {
			stamps.incrementAndGet( i );
		}
	}

	/** See {@link EntityRegion#loaded}. */
	void loaded(Object id, EntitySnapshot snapshot, long stamp) {
		store( id, snapshot, stamp, false );
	}

	/** As {@link #loaded}, replacing the clean entry whatever its version ({@code CacheMode.REFRESH}). */
	void refreshed(Object id, EntitySnapshot snapshot, long stamp) {
		store( id, snapshot, stamp, true );
	}

	private void store(Object id, EntitySnapshot snapshot, long stamp, boolean refresh) {
		if ( snapshotReads ) {
			return;
		}
		if ( !current( id, stamp ) || !guardAllows( id, snapshot ) ) {
			return;
		}
		if ( refresh ) {
			cache.putRefreshed( region, id, snapshot, () -> current( id, stamp ) );
			if ( stamp( id ) != stamp ) {
				cache.invalidate( region, id );
			}
			return;
		}
		// checked again inside the entry's compute, at the store: between a check here and the store, a write of the id
		// could reach the database, leave the queue and (no room in the cache) have its clean entry evicted, and the
		// older row would be stored as the latest state, for readers and commit checks. Inside the compute the check
		// holds: a write stays in the pending map until its flush transaction has committed, the stamp moves before it
		// leaves the map (WriteOutcomes.removeClean, drop), and its clean entry is put on this same cache entry
		cache.putLoaded( region, id, snapshot, versionOrder, () -> current( id, stamp ) );
		if ( stamp( id ) != stamp ) {
			// invalidated meanwhile (another node's write, a bulk statement): the invalidation may have run before the
			// put
			cache.invalidate( region, id );
		}
	}

	/** Whether no write of the id is pending and none reached the database or was evicted since {@code stamp}. */
	private boolean current(Object id, long stamp) {
		return !region.isPending( id ) && stamp( id ) == stamp;
	}

	private boolean guardAllows(Object id, EntitySnapshot loaded) {
		WriteGuard guard = region.guard();
		return guard == null || guard.mayCache( id, loaded );
	}

	private static int stripe(Object id) {
		int h = id.hashCode();
		return ( h ^ ( h >>> 16 ) ) & ( STRIPES - 1 );
	}
}
