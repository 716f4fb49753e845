package io.writebehind.internal.queue;

import java.util.Comparator;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import io.writebehind.ConflictPolicy;
import io.writebehind.ConflictResolver;
import io.writebehind.internal.cache.EntityCache;
import io.writebehind.internal.cache.EntitySnapshot;

/**
 * The write-behind state of one opted-in entity hierarchy: the pending write of each id (coalescing all commits to
 * that id until the flusher writes it) and the committing threads' side of its state machine (publish, lookups). Its
 * other jobs have classes of their own, sharing the pending map: {@link WriteOutcomes} (the flusher's side),
 * {@link Replays} (writes queued again without a commit), {@link LoadGuard} (whether a row read may be cached),
 * {@link Reservations} (ids held by committing transactions). Features plug in through its {@link WriteGuard},
 * {@link RewriteObserver} and the writes' attachments; the region knows none of them.
 * <p>
 * Threads: {@link #pending} is a {@link PendingMap} (a concurrent map whose entries are the pending writes themselves)
 * and every change to a {@link PendingWrite} happens inside {@code pending.compute(id, ...)}, so all writers of one id
 * (committing application threads, the id's flusher thread) are serialised by the map itself. Readers use
 * {@code pending.get(id)} (lock-free) and the write's volatile latest state.
 */
public final class EntityRegion {

	private final String entityName;
	private final int index;
	private final long maxDelayNanos;
	private final WriteQueue queue;
	private final EntityCache cache;
	/** The pending write of each id; every change inside {@code pending.compute(id, ...)} (see the class comment). */
	private final PendingMap pending = new PendingMap();
	/**
	 * The check of its row that a recovered write needs before it is written ({@link Replays#recovered}), by id; set and
	 * removed inside the id's {@code pending.compute}. Empty but for writes a feature recovered at start-up.
	 */
	private final ConcurrentHashMap<Object, RowCheck> rowChecks = new ConcurrentHashMap<>();
	private final Reservations reservations = new Reservations();
	private final LoadGuard loads;
	private final WriteOutcomes outcomes;
	private final Replays replays;
	private final boolean versioned;
	private final Comparator<Object> versionComparator;
	private final ConflictPolicy conflictPolicy;
	private final ConflictResolver conflictResolver;
	/** Set at boot, read by query threads. */
	private volatile boolean flushBeforeQueries = true;
	private final RegionCounters counters = new RegionCounters();
	/** Told of dropped and re-based writes (the cluster); set once at start-up, read by flusher threads. */
	private volatile RewriteObserver rewriteObserver;
	/** Asked before a row is cached or a commit accepted (the cluster's marks of other nodes' writes); null: none. */
	private volatile WriteGuard guard;

	EntityRegion(String entityName, int index, long maxDelayMs, boolean versioned,
			Comparator<Object> versionComparator, ConflictPolicy conflictPolicy, ConflictResolver conflictResolver,
			WriteQueue queue, EntityCache cache) {
		this.entityName = entityName;
		this.conflictPolicy = conflictPolicy;
		this.conflictResolver = conflictResolver;
		this.index = index;
		this.maxDelayNanos = maxDelayMs * 1_000_000L;
		this.versioned = versioned;
		this.versionComparator = versionComparator;
		this.queue = queue;
		this.cache = cache;
		this.loads = new LoadGuard( this, cache, versioned ? versionComparator : null );
		this.outcomes = new WriteOutcomes( this, pending, rowChecks, queue, cache, loads );
		this.replays = new Replays( this, pending, rowChecks, queue, cache );
	}

	/** The flusher's side of the write state machine of this region. */
	public WriteOutcomes outcomes() {
		return outcomes;
	}

	/** Writes queued again without a commit: a failed write retried, a journaled write recovered at start-up. */
	public Replays replays() {
		return replays;
	}

	/** The ids committing transactions hold. */
	public Reservations reservations() {
		return reservations;
	}

	/** The root entity name of the hierarchy. */
	public String entityName() {
		return entityName;
	}

	/** Position in foreign-key order: a region only references regions with a smaller index. */
	public int index() {
		return index;
	}

	public long maxDelayNanos() {
		return maxDelayNanos;
	}

	public boolean versioned() {
		return versioned;
	}

	/** The conflict policy; {@code null} when a {@link #conflictResolver()} decides. */
	public ConflictPolicy conflictPolicy() {
		return conflictPolicy;
	}

	public ConflictResolver conflictResolver() {
		return conflictResolver;
	}

	/** Whether queries of this entity flush its pending writes first ({@code QueryConsistency.FLUSH}). */
	public boolean flushBeforeQueries() {
		return flushBeforeQueries;
	}

	public void flushBeforeQueries(boolean flush) {
		this.flushBeforeQueries = flush;
	}

	/**
	 * Forgets every clean entry of this region (pending writes stay), after a bulk statement changed rows behind the
	 * cache; a database read racing it is not cached either (all stamps move).
	 */
	public void invalidateAll() {
		loads.bumpAll();
		cache.invalidateRegion( this );
	}

	/**
	 * Evicts the clean entries of the ids {@code ids} accepts (pending writes stay); a database read racing this is not
	 * cached (of any id: every stamp moves).
	 */
	public void invalidateIf(java.util.function.Predicate<Object> ids) {
		loads.bumpAll();
		cache.invalidateRegionIf( this, ids );
	}

	/** This hierarchy's figures. */
	public RegionCounters counters() {
		return counters;
	}

	void countCoalesced() {
		counters.coalesced.increment();
		queue.countCoalesced();
	}

	// ---------------------------------------------------------------- application threads

	/**
	 * The latest committed state of an id: its pending write, else the clean cache entry; a deleted snapshot
	 * after a committed remove; {@code null} when write-behind knows nothing of the id (the database decides).
	 */
	public EntitySnapshot lookup(Object id) {
		PendingWrite write = pending.get( id );
		if ( write != null ) {
			return write.latest;
		}
		EntitySnapshot clean = cache.get( this, id );
		if ( clean != null ) {
			return clean;
		}
		// a clean entry may have been evicted between the two reads while a commit created a pending write: it is
		// found now; and a pending write leaves the map only after its clean entry is in the cache (removeClean)
		write = pending.get( id );
		return write != null ? write.latest : cache.get( this, id );
	}

	/**
	 * As {@link #lookup}, for an application read (find, getReference, an association fetch): counted as a cache hit
	 * (answered from the pending write or the cache) or a miss (the database is read).
	 */
	public EntitySnapshot read(Object id) {
		EntitySnapshot snapshot = lookup( id );
		( snapshot != null ? counters.cacheHits : counters.cacheMisses ).increment();
		return snapshot;
	}

	/**
	 * As {@link #read}, for a read that bypasses the cache (JPA's {@code CacheRetrieveMode.BYPASS}): the id's pending
	 * write, which the database does not hold yet, or {@code null} (counted as a miss: the database is read).
	 */
	public EntitySnapshot readPending(Object id) {
		PendingWrite write = pending.get( id );
		EntitySnapshot snapshot = write != null ? write.latest : null;
		( snapshot != null ? counters.cacheHits : counters.cacheMisses ).increment();
		return snapshot;
	}

	/**
	 * Whether the database runs application transactions at REPEATABLE READ or above: a row such a transaction reads
	 * may come from a snapshot older than the latest write, so it is not cached (nothing would tell it is old).
	 */
	public void snapshotReads(boolean snapshotReads) {
		loads.snapshotReads( snapshotReads );
	}

	/**
	 * A stamp to take before reading an id from the database, for {@link #loaded}: it changes whenever a write of an
	 * id of the same stripe reaches the database or leaves the queue.
	 */
	public long stamp(Object id) {
		return loads.stamp( id );
	}

	/**
	 * State read from the database (a cache miss): cached unless a write of the id is pending, or one reached the
	 * database since {@code stamp} was taken (the row read may be older than it; with the entry evicted since, nothing
	 * else would tell).
	 */
	public void loaded(Object id, EntitySnapshot snapshot, long stamp) {
		loads.loaded( id, snapshot, stamp );
	}

	/**
	 * As {@link #loaded}, for a read that refreshes the cache ({@code CacheMode.REFRESH}): the row read replaces the
	 * clean entry (whatever its version), on the same conditions.
	 */
	public void refreshed(Object id, EntitySnapshot snapshot, long stamp) {
		loads.refreshed( id, snapshot, stamp );
	}

	/**
	 * Applies a committed write of a transaction to the pending write of its id (creating it if needed).
	 *
	 * @param baseExists whether the row existed before the transaction, as the transaction saw it
	 * @param baseVersion the version the transaction read (for an update or delete)
	 * @return whether a new pending write was created (and so took a unit of the queue's capacity)
	 */
	public boolean publish(Object id, EntitySnapshot snapshot, boolean baseExists, Object baseVersion) {
		return publish( id, snapshot, baseExists, baseVersion, null );
	}

	/**
	 * As {@link #publish(Object, EntitySnapshot, boolean, Object)}, with the data a feature attaches to the write
	 * ({@code null}: none; see {@link PendingWrite#attachment}): the state and its attachment change together (the
	 * journal's place of the record that holds it, so that the flusher never reports an older record as written).
	 */
	public boolean publish(Object id, EntitySnapshot snapshot, boolean baseExists, Object baseVersion, Object attachment) {
		return publish( id, snapshot, baseExists, baseVersion, attachment, true );
	}

	/**
	 * As {@link #publish(Object, EntitySnapshot, boolean, Object, Object)}; {@code cacheWhenWritten}: whether the
	 * state, once the flusher has written it, is kept in the read cache (false when the committing session's cache
	 * mode does not store into the cache, JPA's {@code CacheStoreMode.BYPASS}: the id's clean entry is then dropped
	 * when the write reaches the database, and a later read goes there). The latest commit of an id decides.
	 */
	public boolean publish(Object id, EntitySnapshot snapshot, boolean baseExists, Object baseVersion, Object attachment,
			boolean cacheWhenWritten) {
		Change change = new Change();
		pending.compute( id, (key, write) -> {
			if ( write == null ) {
				EntitySnapshot clean = cache.get( this, id );
				boolean exists = clean != null ? !clean.isDeleted() : baseExists;
				Object dbVersion = clean != null ? clean.version() : baseVersion;
				if ( snapshot.isDeleted() && !exists ) {
					cache.invalidate( this, id );
					countCoalesced();
					return null;
				}
				// the clean entry stays: it is what the database holds until the write reaches it, lookups find the
				// pending write first, and the flusher's put of the written state then replaces the entry's value
				// instead of adding an entry (Caffeine's cheap path); it counts against the cache's bound meanwhile
				write = new PendingWrite( this, id, exists, dbVersion );
				write.setLatest( snapshot );
				write.cacheWhenWritten( cacheWhenWritten );
				attach( write, attachment );
				write.partition().enqueue( write );
				change.created = true;
				return write;
			}
			write.setLatest( snapshot );
			write.cacheWhenWritten( cacheWhenWritten );
			attach( write, attachment );
			if ( write.queuedTicket == 0 ) {
				write.partition().enqueue( write );
				if ( !write.inFlight() ) {
					// taken by the flusher but not started: this commit rides along (the new node finds nothing to do)
					countCoalesced();
				}
			}
			else {
				countCoalesced();
			}
			return write;
		} );
		return change.created;
	}

	// ---------------------------------------------------------------- features' data

	/** Records, inside the id's compute, the data a feature attached to the write's latest state (if any). */
	private static void attach(PendingWrite write, Object attachment) {
		if ( attachment != null ) {
			write.attachment = attachment;
		}
	}

	/** The attachments of the pending writes that have one, for a feature's scan (the journal's checkpoint). */
	public Stream<Object> attachments() {
		return pending.values().map( write -> write.attachment ).filter( Objects::nonNull );
	}

	/**
	 * Whether the row exists and its version, as far as this node knows now (the flusher only moves them forward, so
	 * this is where the chain of this node's writes of the id starts); {@code baseExists} and {@code baseVersion} (what
	 * the committing transaction read) when the region knows nothing of the id.
	 */
	public RowState knownRow(Object id, boolean baseExists, Object baseVersion) {
		Change change = new Change();
		pending.computeIfPresent( id, (key, write) -> {
			change.row = new RowState( write.dbExists(), write.dbVersion );
			return write;
		} );
		if ( change.row != null ) {
			return change.row;
		}
		EntitySnapshot clean = cache.get( this, id );
		if ( clean != null ) {
			return new RowState( !clean.isDeleted(), clean.version() );
		}
		return new RowState( baseExists, baseVersion );
	}

	/** The partition that queues and writes the id's writes. */
	Partition partitionOf(Object id) {
		return queue.partitionOf( id );
	}

	/** Compares two versions of this (versioned) region. */
	public int compareVersions(Object a, Object b) {
		return versionComparator.compare( a, b );
	}

	// ---------------------------------------------------------------- any thread

	public int pendingCount() {
		return pending.size();
	}

	/**
	 * Shrinks the pending map's tables that removals left sparse (see {@link PendingMap#trim}); a flusher thread calls
	 * it when its partition has nothing queued.
	 */
	public void trimPending() {
		pending.trim();
	}

	/** Whether the id has a pending write that must INSERT its row: the row is not in the database yet. */
	public boolean isPendingInsert(Object id) {
		PendingWrite write = pending.get( id );
		return write != null && !write.latest.isDeleted() && !write.dbExists();
	}

	/**
	 * A committed write that the application's own transaction already wrote to the database (to satisfy a foreign key
	 * of an entity that is not opted in, or before a query of that transaction): cached as clean, unless a newer write
	 * of the id is pending.
	 */
	public void publishWritten(Object id, EntitySnapshot snapshot, Object attachment) {
		publishWritten( id, snapshot, attachment, true );
	}

	/**
	 * As {@link #publishWritten(Object, EntitySnapshot, Object)}; {@code cacheWhenWritten} false (the session does not
	 * store into the cache): the id's clean entry is dropped instead of replaced (a removal still leaves its marker).
	 */
	public void publishWritten(Object id, EntitySnapshot snapshot, Object attachment, boolean cacheWhenWritten) {
		pending.compute( id, (key, write) -> {
			if ( write == null ) {
				// the stamp first: a row read before this write that is stored after the bump is refused (the store
				// checks the stamp inside its compute), one stored before it is replaced by the put
				loads.bump( id );
				if ( cacheWhenWritten || snapshot.isDeleted() ) {
					cache.put( this, id, snapshot );
				}
				else {
					cache.invalidate( this, id );
				}
			}
			else {
				write.setLatest( snapshot );
				write.cacheWhenWritten( cacheWhenWritten );
				attach( write, attachment );
				write.dbExists( !snapshot.isDeleted() );
				write.dbVersion = snapshot.version();
				if ( write.queuedTicket == 0 ) {
					write.partition().enqueue( write );
				}
			}
			return write;
		} );
	}

	/**
	 * Another node asks for the id's pending write (if any) to be written now: the writes of this region queued in the
	 * id's partition become due at once. Returns whether there was one.
	 */
	public boolean flushSoon(Object id) {
		PendingWrite write = pending.get( id );
		if ( write == null ) {
			return false;
		}
		write.partition().force( index );
		return true;
	}

	/** The ids that have a write that has not reached the database, for a feature's scan (a lease hand-over). */
	public Stream<Object> pendingIds() {
		return pending.keys();
	}

	/** Whether the id has a write that has not reached the database. */
	public boolean isPending(Object id) {
		return pending.containsKey( id );
	}


	public boolean sameVersion(Object a, Object b) {
		return versionComparator == null ? Objects.equals( a, b ) : a != null && b != null && versionComparator.compare( a, b ) == 0;
	}

	// ---------------------------------------------------------------- features: observers and guards

	/** Told when a committed state will not reach the database as committed (see {@link #rewriteObserver}). */
	public interface RewriteObserver {
		/**
		 * A pending write was dropped ({@code written == null}: a conflict or failure; reads go to the database) or
		 * re-based on the database's row ({@code written}: the state, and version, that will be written instead);
		 * {@code before} is the latest committed state it held until then.
		 */
		void rewritten(EntityRegion region, Object id, EntitySnapshot before, EntitySnapshot written);
	}

	public void rewriteObserver(RewriteObserver observer) {
		this.rewriteObserver = observer;
	}

	RewriteObserver rewriteObserver() {
		return rewriteObserver;
	}

	/** Installs the guard asked before a row read is cached and before a commit is accepted. Set once, at start-up. */
	public void guard(WriteGuard guard) {
		this.guard = guard;
	}

	/** The guard, or {@code null}. */
	public WriteGuard guard() {
		return guard;
	}

	/**
	 * Someone else (another node) wrote the id: the clean entry is evicted and a database read racing this is not
	 * cached. A pending write of this node is left alone (the database's version check at flush decides).
	 */
	public void evict(Object id) {
		loads.bump( id );
		cache.invalidate( this, id );
	}

	/**
	 * Whether the guard knows of a state of the id newer than {@code baseVersion} committed elsewhere (a commit based on
	 * it must fail). When this node has a pending write of the id, whether that newer state is newer than the version
	 * the pending write is based on: the pending write is left alone (the database's check at flush decides between
	 * them), but it takes no more commits, so that what a conflict there can cost is bounded by the invalidation delay.
	 */
	public boolean newerElsewhere(Object id, Object baseVersion) {
		WriteGuard guard = this.guard;
		if ( guard == null || !versioned ) {
			return false;
		}
		PendingWrite write = pending.get( id );
		if ( write != null ) {
			return write.dbExists() && guard.newerElsewhere( id, write.dbVersion );
		}
		return guard.newerElsewhere( id, baseVersion );
	}

	@Override
	public String toString() {
		return "EntityRegion[" + entityName + ", pending=" + pending.size() + "]";
	}
}
