package io.writebehind.cluster.internal;

import java.util.concurrent.ConcurrentHashMap;

import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.WriteGuard;

/**
 * The other nodes' commits of one region that this node has not seen in the database yet: for a versioned entity, the
 * id is marked with the other node's version (or removal) for a while, or until a read from the database shows that
 * version. Until then rows read are not cached, and a commit based on an older version fails. Installed as the
 * region's {@link WriteGuard}. Thread-safe: the map is written by the coherence channel's receiving thread and by
 * committing threads (ledger refusals), read by any thread.
 */
public final class RemoteMarks implements WriteGuard {

	/** Another node committed a newer state of an id: its version, or its removal, until the database shows it. */
	private record Mark(Object version, boolean removed, long deadline) {
	}

	private final EntityRegion region;
	private final ConcurrentHashMap<Object, Mark> marks = new ConcurrentHashMap<>();
	/** Whether rows read from the database may be cached (off while the coherence channel does not listen). */
	private volatile boolean cacheLoads = true;
	/**
	 * Told of an id whose commit a mark refuses ({@code cluster.version_check=lease}: the node then asks the holder of
	 * the id's bucket to hand it over, which writes the newer version); {@code null}: nobody. Must not block.
	 */
	private volatile java.util.function.Consumer<Object> refused;
	/**
	 * {@code cluster.version_check=lease}: the ids whose commits marks do not refuse, because this node holds their
	 * bucket's lease (the marks are of earlier owners' writes: in the database, or fenced out); {@code null}: none.
	 */
	private volatile java.util.function.Predicate<Object> owned;

	private RemoteMarks(EntityRegion region) {
		this.region = region;
	}

	/** Installs the marks of a region as its guard (at start-up); returns them. */
	static RemoteMarks install(EntityRegion region) {
		RemoteMarks marks = new RemoteMarks( region );
		region.guard( marks );
		return marks;
	}

	/** The marks installed on a region by {@link #install}. */
	static RemoteMarks of(EntityRegion region) {
		if ( region.guard() instanceof RemoteMarks marks ) {
			return marks;
		}
		throw new IllegalStateException( "no remote marks on " + region );
	}

	/**
	 * Another node committed a write of the id: the clean entry is evicted and a database read racing this is not
	 * cached. A pending write of this node is left alone (the database's version check at flush decides). For a
	 * versioned entity the id is marked with the other node's version (or removal) for {@code ttlNanos}, or until a
	 * read from the database shows that version. {@code version == null} and not removed: only evict, and forget the
	 * mark (the other node's write was dropped, or the entity is unversioned).
	 */
	void remoteWrite(Object id, Object version, boolean removed, long ttlNanos) {
		if ( region.versioned() && ( version != null || removed ) ) {
			Mark mark = new Mark( version, removed, System.nanoTime() + ttlNanos );
			marks.merge( id, mark, (old, fresh) -> fresh.removed || old.removed || old.version == null
					|| region.compareVersions( fresh.version, old.version ) >= 0 ? fresh
							: new Mark( old.version, false, fresh.deadline ) );
		}
		else {
			marks.remove( id );
		}
		region.evict( id );
	}

	/** Who is told of an id whose commit a mark refused (see {@link #refused}); at start-up. */
	void onRefusal(java.util.function.Consumer<Object> listener) {
		this.refused = listener;
	}

	/** The ids whose commits marks do not refuse (see {@link #owned}); at start-up. */
	void owned(java.util.function.Predicate<Object> owned) {
		this.owned = owned;
	}

	/** Forgets the marks of the ids {@code which} accepts (a lease bucket this node took). */
	void forgetIf(java.util.function.Predicate<Object> which) {
		marks.keySet().removeIf( which );
	}

	/** Whether rows read from the database are cached (off while the coherence channel is down). */
	void cacheLoads(boolean cache) {
		this.cacheLoads = cache;
	}

	/** Forgets expired marks; returns how many are left. */
	int purge() {
		long now = System.nanoTime();
		marks.values().removeIf( mark -> now - mark.deadline > 0 );
		return marks.size();
	}

	@Override
	public boolean newerElsewhere(Object id, Object version) {
		Mark mark = marks.get( id );
		if ( mark == null ) {
			return false;
		}
		if ( System.nanoTime() - mark.deadline > 0 ) {
			marks.remove( id, mark );
			return false;
		}
		boolean newer = mark.removed || version == null || region.compareVersions( mark.version, version ) > 0;
		java.util.function.Predicate<Object> mine = owned;
		if ( newer && mine != null && mine.test( id ) ) {
			return false;
		}
		java.util.function.Consumer<Object> listener = refused;
		if ( newer && listener != null ) {
			listener.accept( id );
		}
		return newer;
	}

	@Override
	public boolean mayCache(Object id, EntitySnapshot loaded) {
		if ( !cacheLoads ) {
			return false;
		}
		Mark mark = marks.get( id );
		if ( mark == null ) {
			return true;
		}
		if ( System.nanoTime() - mark.deadline > 0 ) {
			marks.remove( id, mark );
			return true;
		}
		if ( mark.removed || loaded.version() == null || region.compareVersions( loaded.version(), mark.version ) < 0 ) {
			return false; // the other node's write has not reached the database yet
		}
		marks.remove( id, mark );
		return true;
	}
}
