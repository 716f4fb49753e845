package io.writebehind.internal.queue;

import java.util.Comparator;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;

import io.writebehind.ConflictPolicy;
import io.writebehind.ConflictResolver;
import io.writebehind.FailedWrite.Operation;
import io.writebehind.internal.cache.EntityCache;
import io.writebehind.internal.cache.EntitySnapshot;

/**
 * The write-behind state of one opted-in entity hierarchy: the pending write of each id (coalescing all commits to
 * that id until the flusher writes it), the version reservations of transactions that are committing, and the view of
 * the read cache for this hierarchy.
 * <p>
 * Threads: {@link #pending} is a {@link ConcurrentHashMap} and every change to a {@link PendingWrite} happens inside
 * {@code pending.compute(id, ...)}, so all writers of one id (committing application threads, the id's flusher thread)
 * are serialised by the map itself. Readers use {@code pending.get(id)} and the write's volatile latest state.
 */
public final class EntityRegion {

	private final String entityName;
	private final int index;
	private final long maxDelayNanos;
	private final WriteQueue queue;
	private final EntityCache cache;
	private final ConcurrentHashMap<Object, PendingWrite> pending = new ConcurrentHashMap<>();
	private final ConcurrentHashMap<Object, Object> reservations = new ConcurrentHashMap<>();
	private static final int STRIPES = 1024;
	/** Per stripe of ids: bumped when a write leaves the queue (see {@link #stamp}). */
	private final AtomicLongArray stamps = new AtomicLongArray( STRIPES );
	private final boolean versioned;
	private final Comparator<Object> versionComparator;
	private final ConflictPolicy conflictPolicy;
	private final ConflictResolver conflictResolver;
	private volatile boolean flushBeforeQueries = true;
	private final RegionCounters counters = new RegionCounters();

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
		for ( int i = 0; i < STRIPES; i++ ) {
			stamps.incrementAndGet( i );
		}
		cache.invalidateRegion( this );
	}

	/** This hierarchy's figures. */
	public RegionCounters counters() {
		return counters;
	}

	private void countCoalesced() {
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
		// a commit may have turned the clean entry into a pending write between the two reads: the pending write is in
		// the map before the clean entry goes (publish), so it is found now; and a pending write leaves the map only
		// after its clean entry is in the cache (removeClean)
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
	 * Whether the database runs application transactions at REPEATABLE READ or above: a row such a transaction reads
	 * may come from a snapshot older than the latest write, so it is not cached (nothing would tell it is old).
	 */
	public void snapshotReads(boolean snapshotReads) {
		this.snapshotReads = snapshotReads;
	}

	private volatile boolean snapshotReads;

	/**
	 * A stamp to take before reading an id from the database, for {@link #loaded}: it changes whenever a write of an
	 * id of the same stripe reaches the database or leaves the queue.
	 */
	public long stamp(Object id) {
		return stamps.get( stripe( id ) );
	}

	/**
	 * State read from the database (a cache miss): cached unless a write of the id is pending, or one reached the
	 * database since {@code stamp} was taken (the row read may be older than it; with the entry evicted since, nothing
	 * else would tell).
	 */
	public void loaded(Object id, EntitySnapshot snapshot, long stamp) {
		if ( snapshotReads ) {
			return;
		}
		if ( !pending.containsKey( id ) && stamps.get( stripe( id ) ) == stamp && guardAllows( id, snapshot ) ) {
			cache.putLoaded( this, id, snapshot, versioned ? versionComparator : null );
			if ( stamps.get( stripe( id ) ) != stamp ) {
				// invalidated meanwhile (another node's write): the invalidation may have run before the put
				cache.invalidate( this, id );
			}
		}
	}

	private void bumpStamp(Object id) {
		stamps.incrementAndGet( stripe( id ) );
	}

	private static int stripe(Object id) {
		int h = id.hashCode();
		return ( h ^ ( h >>> 16 ) ) & ( STRIPES - 1 );
	}

	/** Reserves an id for a committing transaction; returns {@code null} on success, else the other owner. */
	public Object reserve(Object id, Object owner) {
		Object previous = reservations.putIfAbsent( id, owner );
		return previous == null || previous == owner ? null : previous;
	}

	/** Whether a transaction other than {@code owner} holds the id (see {@link #reserve}). */
	public boolean reservedByOther(Object id, Object owner) {
		Object holder = reservations.get( id );
		return holder != null && holder != owner;
	}

	public void release(Object id, Object owner) {
		reservations.remove( id, owner );
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
		boolean[] created = new boolean[1];
		EntitySnapshot[] replaced = new EntitySnapshot[1];
		pending.compute( id, (key, write) -> {
			if ( write == null ) {
				EntitySnapshot clean = cache.get( this, id );
				replaced[0] = clean;
				boolean exists = clean != null ? !clean.isDeleted() : baseExists;
				Object dbVersion = clean != null ? clean.version() : baseVersion;
				if ( snapshot.isDeleted() && !exists ) {
					cache.invalidate( this, id );
					countCoalesced();
					return null;
				}
				// the clean entry is evicted once the pending write is in the map (below): a reader meanwhile finds
				// neither in the map (compute has not installed the new write yet) and must still find the clean one
				write = new PendingWrite( this, id, queue.partitionOf( id ), exists, dbVersion );
				write.latest = snapshot;
				write.seq = 1;
				attach( write, attachment );
				write.partition.enqueue( write );
				created[0] = true;
				return write;
			}
			write.latest = snapshot;
			write.seq++;
			attach( write, attachment );
			if ( write.queuedTicket == 0 ) {
				write.partition.enqueue( write );
				if ( !write.inFlight ) {
					// taken by the flusher but not started: this commit rides along (the new node finds nothing to do)
					countCoalesced();
				}
			}
			else {
				countCoalesced();
			}
			return write;
		} );
		if ( created[0] ) {
			// lookups find the pending write first; the clean entry it replaced only takes room (unless the write was
			// flushed in the meantime and a fresh clean entry is there: that one stays)
			cache.invalidate( this, id, replaced[0] );
		}
		return created[0];
	}

	// ---------------------------------------------------------------- flusher thread of the write's partition

	/** Starts writing the latest state of a queued write; {@code null} when there is nothing to write. */
	FlushItem beginWrite(QueueNode node) {
		FlushItem[] item = new FlushItem[1];
		int[] removedNow = new int[1];
		pending.computeIfPresent( node.write.id, (key, write) -> {
			if ( write != node.write ) {
				return write;
			}
			EntitySnapshot snapshot = write.latest;
			Operation operation = snapshot.isDeleted()
					? ( write.dbExists ? Operation.DELETE : null )
					: ( write.dbExists ? Operation.UPDATE : Operation.INSERT );
			if ( write.needsRebase ) {
				write.inFlight = true;
				item[0] = new FlushItem( write, snapshot, write.seq, write.dbVersion, Operation.UPDATE,
						false, true, write.attachment, write.rowCheck );
				return write;
			}
			if ( write.seq == write.writtenSeq || operation == null ) {
				// nothing the database lacks (persist then remove, or a second node for state already written)
				if ( operation == null && write.seq != write.writtenSeq ) {
					countCoalesced();
				}
				write.writtenSeq = write.seq;
				return write.queuedTicket == 0 ? removeClean( write, snapshot, removedNow ) : write;
			}
			write.inFlight = true;
			write.attempts++;
			item[0] = new FlushItem( write, snapshot, write.seq, write.dbVersion, operation,
					write.uncertain, false, write.attachment, null );
			return write;
		} );
		releaseRemoved( removedNow );
		return item[0];
	}

	/** The item reached the database (committed); the row now has {@code newDbVersion}. */
	public void written(FlushItem item, Object newDbVersion) {
		int[] removedNow = new int[1];
		pending.computeIfPresent( item.id(), (key, write) -> {
			if ( write != item.write ) {
				return write;
			}
			write.inFlight = false;
			write.writtenSeq = item.seq;
			write.attempts = 0;
			write.uncertain = false;
			write.dbExists = !item.snapshot.isDeleted();
			write.dbVersion = newDbVersion;
			return write.seq == item.seq && write.queuedTicket == 0 ? removeClean( write, item.snapshot, removedNow ) : write;
		} );
		releaseRemoved( removedNow );
	}

	/**
	 * The item's flush failed transiently; it stays pending and will be retried. {@code uncertain}: the failure came
	 * from the commit, so the write may have reached the database.
	 */
	public void retryLater(FlushItem item, boolean uncertain) {
		pending.computeIfPresent( item.id(), (key, write) -> {
			if ( write == item.write ) {
				write.inFlight = false;
				write.uncertain |= uncertain;
			}
			return write;
		} );
	}

	/**
	 * Re-bases a write on the row the database holds now (after a conflict resolved by writing, or for a replayed
	 * failed write): the next write checks {@code dbVersion} and writes {@code snapshot}, unless the application
	 * committed newer state meanwhile, which then wins (moved past {@code nextVersion} if it is not newer than the row).
	 * The caller (the flusher) puts the write back in the queue at its old place.
	 */
	public void rebase(FlushItem item, EntitySnapshot snapshot, boolean dbExists, Object dbVersion, Object nextVersion,
			int versionIndex) {
		EntitySnapshot[] rebased = new EntitySnapshot[2];
		pending.computeIfPresent( item.id(), (key, write) -> {
			if ( write != item.write ) {
				return write;
			}
			rebased[1] = write.latest;
			write.inFlight = false;
			write.needsRebase = false;
			write.rowCheck = null;
			write.uncertain = false;
			write.dbExists = dbExists;
			write.dbVersion = dbVersion;
			if ( write.seq == item.seq ) {
				write.latest = snapshot;
			}
			else if ( versioned && !write.latest.isDeleted() && dbVersion != null
					&& versionComparator.compare( write.latest.version(), dbVersion ) <= 0 ) {
				write.latest = new EntitySnapshot( write.latest.entry().withVersion( nextVersion, versionIndex ) );
			}
			write.seq++;
			rebased[0] = write.latest;
			return write;
		} );
		RewriteObserver observer = rewriteObserver;
		if ( rebased[0] != null && observer != null ) {
			observer.rewritten( this, item.id(), rebased[1], rebased[0] );
		}
	}

	/**
	 * Queues a failed write again, to be written over whatever the database holds then (its row is read first).
	 * Returns false when the application committed a newer state of the id meanwhile (that state wins) or there was
	 * no room in the queue.
	 */
	public boolean replay(Object id, EntitySnapshot snapshot) {
		if ( !queue.tryReserveNow() ) {
			return false;
		}
		boolean[] queued = new boolean[1];
		pending.computeIfAbsent( id, key -> {
			PendingWrite write = new PendingWrite( this, id, queue.partitionOf( id ), false, null );
			write.latest = snapshot;
			write.seq = 1;
			write.needsRebase = true;
			cache.invalidate( this, id );
			write.partition.enqueue( write );
			queued[0] = true;
			return write;
		} );
		if ( !queued[0] ) {
			queue.release( 1 );
		}
		return queued[0];
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
		return pending.values().stream().map( write -> write.attachment ).filter( Objects::nonNull );
	}

	/**
	 * At start-up, a write a feature recovered (the latest journaled state of its id): queued as pending, to be
	 * checked against the row before it is written ({@code check}, on the flusher thread: the row may hold it
	 * already, be ours to write, or be a conflict for the entity's policy). {@code known}: the row as the feature
	 * knew it. The queue takes it even beyond its capacity: an acknowledged write is never dropped.
	 */
	public void recover(Object id, EntitySnapshot snapshot, RowState known, RowCheck check, Object attachment) {
		pending.compute( id, (key, write) -> {
			if ( write == null ) {
				write = new PendingWrite( this, id, queue.partitionOf( id ), known.exists(), known.version() );
				queue.overdraw( 1 );
			}
			write.latest = snapshot;
			write.seq++;
			write.needsRebase = true;
			write.rowCheck = check;
			write.attachment = attachment;
			cache.invalidate( this, id );
			if ( write.queuedTicket == 0 ) {
				write.partition.enqueue( write );
			}
			return write;
		} );
	}

	/**
	 * The flusher read the row of a recovered write (see {@link #recover}): {@code applied} when the row already
	 * holds it, else the write is written normally from the row's state.
	 */
	public void rowChecked(FlushItem item, RowState row, boolean applied) {
		int[] removedNow = new int[1];
		pending.computeIfPresent( item.id(), (key, write) -> {
			if ( write != item.write ) {
				return write;
			}
			write.inFlight = false;
			write.needsRebase = false;
			write.rowCheck = null;
			write.dbExists = row.exists();
			write.dbVersion = row.version();
			if ( applied ) {
				write.writtenSeq = item.seq;
				if ( write.seq == item.seq && write.queuedTicket == 0 ) {
					return removeClean( write, item.snapshot, removedNow );
				}
			}
			return write;
		} );
		releaseRemoved( removedNow );
	}

	/**
	 * Whether the row exists and its version, as far as this node knows now (the flusher only moves them forward, so
	 * this is where the chain of this node's writes of the id starts); {@code baseExists} and {@code baseVersion} (what
	 * the committing transaction read) when the region knows nothing of the id.
	 */
	public RowState knownRow(Object id, boolean baseExists, Object baseVersion) {
		Object[] known = new Object[2];
		pending.computeIfPresent( id, (key, write) -> {
			known[0] = write.dbExists;
			known[1] = write.dbVersion;
			return write;
		} );
		if ( known[0] != null ) {
			return new RowState( (Boolean) known[0], known[1] );
		}
		EntitySnapshot clean = cache.get( this, id );
		if ( clean != null ) {
			return new RowState( !clean.isDeleted(), clean.version() );
		}
		return new RowState( baseExists, baseVersion );
	}

	/** Compares two versions of this (versioned) region. */
	public int compareVersions(Object a, Object b) {
		return versionComparator.compare( a, b );
	}

	/**
	 * The item can never be written as it is (conflict or permanent failure): removes the pending write, with any
	 * commits made to it since, and invalidates the cache so reads go to the database. Returns the latest state dropped.
	 */
	public EntitySnapshot drop(FlushItem item) {
		EntitySnapshot[] dropped = new EntitySnapshot[1];
		int[] removedNow = new int[1];
		pending.computeIfPresent( item.id(), (key, write) -> {
			if ( write != item.write ) {
				return write;
			}
			dropped[0] = write.latest;
			bumpStamp( key );
			write.removed = true;
			write.inFlight = false;
			cache.invalidate( this, key );
			removedNow[0]++;
			return null;
		} );
		releaseRemoved( removedNow );
		RewriteObserver observer = rewriteObserver;
		if ( dropped[0] != null && observer != null ) {
			observer.rewritten( this, item.id(), dropped[0], null );
		}
		return dropped[0];
	}

	public int attempts(FlushItem item) {
		return item.write.attempts;
	}

	/**
	 * Gives back the room of writes that left the pending map in the compute just finished (after it, so that the
	 * pending count never exceeds the capacity).
	 */
	private void releaseRemoved(int[] removedNow) {
		if ( removedNow[0] > 0 ) {
			queue.release( removedNow[0] );
		}
	}

	private PendingWrite removeClean(PendingWrite write, EntitySnapshot snapshot, int[] removedNow) {
		removedNow[0]++;
		// a removed id stays in the cache as a deleted marker: find answers "not found" with no SQL, and a reader that
		// read the row just before the delete cannot put it back (EntityCache.putLoaded keeps the marker)
		cache.put( this, write.id, snapshot );
		WriteGuard guard = this.guard;
		if ( guard != null && versioned && guard.newerElsewhere( write.id, snapshot.version() ) ) {
			cache.invalidate( this, write.id ); // another node committed a newer state meanwhile
		}
		bumpStamp( write.id );
		write.removed = true;
		return null;
	}

	// ---------------------------------------------------------------- any thread

	public int pendingCount() {
		return pending.size();
	}

	/** Whether the id has a pending write that must INSERT its row: the row is not in the database yet. */
	public boolean isPendingInsert(Object id) {
		PendingWrite write = pending.get( id );
		return write != null && !write.latest.isDeleted() && !write.dbExists;
	}

	/**
	 * A committed write that the application's own transaction already wrote to the database (to satisfy a foreign key
	 * of an entity that is not opted in, or before a query of that transaction): cached as clean, unless a newer write
	 * of the id is pending.
	 */
	public void publishWritten(Object id, EntitySnapshot snapshot, Object attachment) {
		pending.compute( id, (key, write) -> {
			if ( write == null ) {
				cache.put( this, id, snapshot );
				bumpStamp( id );
			}
			else {
				write.latest = snapshot;
				write.seq++;
				attach( write, attachment );
				write.dbExists = !snapshot.isDeleted();
				write.dbVersion = snapshot.version();
				if ( write.queuedTicket == 0 ) {
					write.partition.enqueue( write );
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
		write.partition.force( index );
		return true;
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

	private volatile RewriteObserver rewriteObserver;
	/** Asked before a row is cached or a commit accepted (the cluster's marks of other nodes' writes); null: none. */
	private volatile WriteGuard guard;

	public void rewriteObserver(RewriteObserver observer) {
		this.rewriteObserver = observer;
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
		bumpStamp( id );
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
			return write.dbExists && guard.newerElsewhere( id, write.dbVersion );
		}
		return guard.newerElsewhere( id, baseVersion );
	}

	private boolean guardAllows(Object id, EntitySnapshot loaded) {
		WriteGuard guard = this.guard;
		return guard == null || guard.mayCache( id, loaded );
	}

	@Override
	public String toString() {
		return "EntityRegion[" + entityName + ", pending=" + pending.size() + "]";
	}
}
