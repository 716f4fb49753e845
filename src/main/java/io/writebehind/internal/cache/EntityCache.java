package io.writebehind.internal.cache;

import java.util.Comparator;
import java.util.Objects;
import java.util.function.BooleanSupplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The read cache of clean entities: state that is known to be in the database. Pending writes are not here (the
 * write queue holds them and they are never evicted) and do not count against {@code cache.maximum_size}; the clean
 * entry of an id with a pending write stays (it is what the database holds until the write reaches it; lookups find
 * the pending write first), and the flusher's {@link #put} of the written state replaces its value rather than adding
 * an entry. Thread-safe; shared by application threads (reads, loads) and flusher threads (writes reaching the
 * database).
 */
public final class EntityCache {

	/** While a thread marks a run of written rows clean ({@link #marking}): its puts since the last maintenance. */
	private static final int MAINTAIN_EVERY = 64;

	private final Cache<Key, EntitySnapshot> cache;
	/** Per thread: the depth of its {@link #marking} calls and its puts since the last maintenance (owned by it). */
	private final ThreadLocal<int[]> marking = ThreadLocal.withInitial( () -> new int[2] );

	public EntityCache(long maximumSize) {
		// maintenance (eviction) runs on the thread that writes, mostly the flusher, not on the common pool: the size
		// bound then holds as soon as a put returns; while a flusher thread marks a run of rows clean, it runs every
		// MAINTAIN_EVERY puts and at the end of the run instead (see marking)
		this.cache = Caffeine.newBuilder().maximumSize( maximumSize ).executor( this::maintain ).recordStats().build();
	}

	/**
	 * Caffeine's maintenance task, run on the writing thread, except while that thread is {@link #marking}: then it is
	 * left for the thread to run at its next {@link #MAINTAIN_EVERY}th put or at the end of the run (Caffeine does not
	 * schedule it again meanwhile, and other threads' writes wait in its write buffer, which a writer drains itself
	 * when it is full).
	 */
	private void maintain(Runnable task) {
		if ( marking.get()[0] > 0 ) {
			return;
		}
		task.run();
	}

	/**
	 * Runs {@code run}, which puts the rows a flush transaction wrote ({@link #put}), with Caffeine's maintenance
	 * (eviction) run once every {@link #MAINTAIN_EVERY} puts instead of after each: at the end, the size bound holds
	 * again; meanwhile the cache can hold up to that many entries more. Called by a flusher thread.
	 */
	public void marking(Runnable run) {
		int[] state = marking.get();
		state[0]++;
		try {
			run.run();
		}
		finally {
			if ( --state[0] == 0 ) {
				state[1] = 0;
				cache.cleanUp();
			}
		}
	}

	public EntitySnapshot get(Object region, Object id) {
		return cache.getIfPresent( new Key( region, id ) );
	}

	/** Stores state the flusher has just written: it is the newest the database has. */
	public void put(Object region, Object id, EntitySnapshot snapshot) {
		cache.put( new Key( region, id ), snapshot );
		int[] state = marking.get();
		if ( state[0] > 0 && ++state[1] == MAINTAIN_EVERY ) {
			state[1] = 0;
			cache.cleanUp();
		}
	}

	/**
	 * Stores state just read from the database unless the cache already holds a state at least as new; for an
	 * unversioned entity (null comparator) only if the cache holds none. {@code stillCurrent} is asked inside the
	 * entry's compute, at the moment of the store: whether nothing newer can have reached the database since the row
	 * was read (asked before the store instead, a write could reach the database, leave the queue and have its own
	 * entry evicted in between, and the older row would be stored after it).
	 */
	public void putLoaded(Object region, Object id, EntitySnapshot loaded, Comparator<Object> versionComparator,
			BooleanSupplier stillCurrent) {
		cache.asMap().compute( new Key( region, id ), (key, existing) -> {
			if ( existing == null ) {
				return stillCurrent.getAsBoolean() ? loaded : null;
			}
			if ( existing.isDeleted() ) {
				// removed through write-behind after the reader read the row
				return existing;
			}
			if ( versionComparator == null || existing.version() == null || loaded.version() == null ) {
				return existing;
			}
			return versionComparator.compare( loaded.version(), existing.version() ) > 0 && stillCurrent.getAsBoolean()
					? loaded : existing;
		} );
	}

	/**
	 * Stores state just read from the database in place of whatever the cache holds (a refresh: the database is the
	 * truth, as Hibernate's {@code CacheMode.REFRESH} has it), if {@code stillCurrent} holds inside the entry's compute
	 * (see {@link #putLoaded}).
	 */
	public void putRefreshed(Object region, Object id, EntitySnapshot loaded, BooleanSupplier stillCurrent) {
		cache.asMap().compute( new Key( region, id ), (key, existing) -> stillCurrent.getAsBoolean() ? loaded : existing );
	}

	/** Evicts the entry of the id if it is still {@code expected} (not a newer one put since). */
	public void invalidate(Object region, Object id, EntitySnapshot expected) {
		if ( expected != null ) {
			cache.asMap().remove( new Key( region, id ), expected );
		}
	}

	public void invalidate(Object region, Object id) {
		cache.invalidate( new Key( region, id ) );
	}

	public void invalidateRegion(Object region) {
		cache.asMap().keySet().removeIf( key -> key.region == region );
	}

	/** Invalidates the region's entries whose id {@code ids} accepts. */
	public void invalidateRegionIf(Object region, java.util.function.Predicate<Object> ids) {
		cache.asMap().keySet().removeIf( key -> key.region == region && ids.test( key.id ) );
	}

	public long size() {
		return cache.estimatedSize();
	}

	public void clear() {
		cache.invalidateAll();
	}

	/**
	 * An entry's key: the region (by identity) and the id. The hash is computed once (Caffeine asks for it several
	 * times per put: its map, its frequency sketch); the field fits in the object's alignment padding.
	 */
	private static final class Key {
		final Object region;
		final Object id;
		private final int hash;

		Key(Object region, Object id) {
			this.region = region;
			this.id = id;
			this.hash = 31 * System.identityHashCode( region ) + id.hashCode();
		}

		@Override
		public boolean equals(Object o) {
			return o == this || o instanceof Key k && k.hash == hash && k.region == region && k.id.equals( id );
		}

		@Override
		public int hashCode() {
			return hash;
		}

		@Override
		public String toString() {
			return "Key[" + id + "]";
		}
	}

	@Override
	public String toString() {
		return "EntityCache[size=" + size() + ", " + Objects.toString( cache.stats() ) + "]";
	}
}
