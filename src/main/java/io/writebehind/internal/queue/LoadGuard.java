package io.writebehind.internal.queue;

import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLongArray;

import io.writebehind.internal.cache.EntityCache;
import io.writebehind.internal.cache.EntitySnapshot;

/**
 * Decides whether a row an application thread read from the database may be cached for one region: not while a write
 * of the id is pending, not when a write of the id reached the database (or someone else's write evicted it) since the
 * read began, which the per-stripe stamps tell; not when the region's {@link WriteGuard} refuses; never under
 * snapshot reads. Lock-free; used by any thread.
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
		if ( snapshotReads ) {
			return;
		}
		if ( !region.isPending( id ) && stamp( id ) == stamp && guardAllows( id, snapshot ) ) {
			cache.putLoaded( region, id, snapshot, versionOrder );
			if ( stamp( id ) != stamp ) {
				// invalidated meanwhile (another node's write): the invalidation may have run before the put
				cache.invalidate( region, id );
			}
		}
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
