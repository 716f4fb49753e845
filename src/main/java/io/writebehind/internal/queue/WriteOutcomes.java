package io.writebehind.internal.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import io.writebehind.FailedWrite.Operation;
import io.writebehind.internal.cache.EntityCache;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.queue.EntityRegion.RewriteObserver;

/**
 * The flusher's side of a region's write state machine: starts writing a pending write and records how the write
 * ended (written, to be retried, re-based on the row, dropped, checked against its row). Called by the flusher
 * thread of the write's partition; every change happens inside the region's {@code pending.compute(id, ...)}, as the
 * committing threads' changes do ({@link EntityRegion}).
 */
public final class WriteOutcomes {

	private final EntityRegion region;
	/** The region's pending writes (its map, shared: see {@link EntityRegion}). */
	private final PendingMap pending;
	/** The region's row checks of recovered writes (see {@link EntityRegion}). */
	private final ConcurrentHashMap<Object, RowCheck> rowChecks;
	/**
	 * What the uncertain attempts of a write would have left in its row (a flush transaction whose commit's outcome
	 * was unknown), per id, while the write is {@link PendingWrite#uncertain}: rare, so not a field of every pending
	 * write. Changed inside the id's compute, by the flusher thread of the id's partition.
	 */
	private final ConcurrentHashMap<Object, List<RowState>> uncertainAttempts = new ConcurrentHashMap<>();
	private final WriteQueue queue;
	private final EntityCache cache;
	private final LoadGuard loads;

	WriteOutcomes(EntityRegion region, PendingMap pending,
			ConcurrentHashMap<Object, RowCheck> rowChecks, WriteQueue queue, EntityCache cache, LoadGuard loads) {
		this.region = region;
		this.pending = pending;
		this.rowChecks = rowChecks;
		this.queue = queue;
		this.cache = cache;
		this.loads = loads;
	}

	/** Starts writing the latest state of a queued write; {@code null} when there is nothing to write. */
	FlushItem beginWrite(QueueNode node) {
		Change change = new Change();
		pending.computeIfCurrent( node.write, (key, write) -> {
			EntitySnapshot snapshot = write.latest;
			Operation operation = snapshot.isDeleted()
					? ( write.dbExists() ? Operation.DELETE : null )
					: ( write.dbExists() ? Operation.UPDATE : Operation.INSERT );
			if ( write.needsRebase() ) {
				write.inFlight( true );
				change.item = new FlushItem( write, node, snapshot, write.seq, write.dbVersion, Operation.UPDATE,
						false, true, write.attachment, rowChecks.isEmpty() ? null : rowChecks.get( key ) );
				return write;
			}
			if ( !write.unwritten() || operation == null ) {
				// nothing the database lacks (persist then remove, or a second node for state already written)
				if ( operation == null && write.unwritten() ) {
					region.countCoalesced();
				}
				write.unwritten( false );
				return write.queuedTicket == 0 ? removeClean( write, snapshot, change ) : write;
			}
			write.inFlight( true );
			write.attemptStarted();
			change.item = new FlushItem( write, node, snapshot, write.seq, write.dbVersion, operation,
					write.uncertain(), false, write.attachment, null );
			return write;
		} );
		releaseRemoved( change );
		return change.item;
	}

	/**
	 * The item reached the database (committed); the row now has {@code newDbVersion}. Returns whether the write left
	 * the pending map: its unit of the queue's room is the caller's to give back ({@link WriteQueue#release}), once for
	 * a whole run of items, after the run (later, never earlier: the pending count never exceeds the capacity).
	 */
	public boolean written(FlushItem item, Object newDbVersion) {
		Change change = new Change();
		pending.computeIfCurrent( item.write, (key, write) -> {
			write.inFlight( false );
			write.unwritten( write.seq != item.seq );
			write.attempts( 0 );
			forgetUncertainAttempts( write );
			write.dbExists( !item.snapshot.isDeleted() );
			write.dbVersion = newDbVersion;
			return write.seq == item.seq && write.queuedTicket == 0 ? removeClean( write, item.snapshot, change ) : write;
		} );
		return change.removed;
	}

	/**
	 * The item's flush failed transiently; it stays pending and will be retried. {@code uncertain}: the failure came
	 * from the commit, so the write may have reached the database.
	 */
	public void retryLater(FlushItem item, boolean uncertain) {
		pending.computeIfPresent( item.id(), (key, write) -> {
			if ( write == item.write ) {
				write.inFlight( false );
				if ( uncertain ) {
					write.uncertain( true );
					uncertainAttempts.computeIfAbsent( key, k -> new ArrayList<>( 1 ) ).add( new RowState(
							!item.snapshot.isDeleted(), item.snapshot.isDeleted() ? null : item.snapshot.version() ) );
				}
			}
			return write;
		} );
	}

	/**
	 * After a write whose earlier flush commit had an unknown outcome did not find its latest state in the row: if
	 * the row holds what one of those earlier attempts wrote, that attempt reached the database, and the commits made
	 * since (coalesced into the write during the retry's backoff) are to be written over it. Then the write is based on
	 * the row ({@code dbVersion}), is no longer uncertain, and the caller puts it back in the queue; returns whether so.
	 */
	public boolean priorAttemptApplied(FlushItem item, RowState row) {
		Change change = new Change();
		pending.computeIfPresent( item.id(), (key, write) -> {
			if ( write != item.write || !write.uncertain() ) {
				return write;
			}
			List<RowState> attempts = uncertainAttempts.get( key );
			if ( attempts == null ) {
				return write;
			}
			for ( RowState attempt : attempts ) {
				if ( attempt.exists() == row.exists() && ( !row.exists() || !region.versioned()
						|| region.sameVersion( attempt.version(), row.version() ) ) ) {
					change.priorAttemptApplied = true;
					write.inFlight( false );
					forgetUncertainAttempts( write );
					write.dbExists( row.exists() );
					write.dbVersion = row.version();
					write.unwritten( true );
					break;
				}
			}
			return write;
		} );
		return change.priorAttemptApplied;
	}

	/**
	 * Re-bases a write on the row the database holds now (after a conflict resolved by writing, or for a replayed
	 * failed write): the next write checks {@code dbVersion} and writes {@code snapshot}, unless the application
	 * committed newer state meanwhile, which then wins (moved past {@code nextVersion} if it is not newer than the row).
	 * The caller (the flusher) puts the write back in the queue at its old place.
	 */
	public void rebase(FlushItem item, EntitySnapshot snapshot, RowState row, Object nextVersion, int versionIndex) {
		Change change = new Change();
		pending.computeIfCurrent( item.write, (key, write) -> {
			change.before = write.latest;
			write.inFlight( false );
			write.needsRebase( false );
			forgetRowCheck( key );
			forgetUncertainAttempts( write );
			write.dbExists( row.exists() );
			write.dbVersion = row.version();
			EntitySnapshot next = write.latest;
			if ( write.seq == item.seq ) {
				next = snapshot;
			}
			else if ( region.versioned() && !next.isDeleted() && row.version() != null
					&& region.compareVersions( next.version(), row.version() ) <= 0 ) {
				next = EntitySnapshot.of( next.entry().withVersion( nextVersion, versionIndex ) );
			}
			write.setLatest( next );
			change.after = next;
			return write;
		} );
		RewriteObserver observer = region.rewriteObserver();
		if ( change.after != null && observer != null ) {
			observer.rewritten( region, item.id(), change.before, change.after );
		}
	}

	/**
	 * The flusher read the row of a recovered write (see {@link Replays#recovered}): {@code applied} when the row
	 * already holds it, else the write is written normally from the row's state.
	 */
	public void rowChecked(FlushItem item, RowState row, boolean applied) {
		Change change = new Change();
		pending.computeIfCurrent( item.write, (key, write) -> {
			write.inFlight( false );
			write.needsRebase( false );
			forgetRowCheck( key );
			write.dbExists( row.exists() );
			write.dbVersion = row.version();
			if ( applied ) {
				write.unwritten( write.seq != item.seq );
				if ( write.seq == item.seq && write.queuedTicket == 0 ) {
					return removeClean( write, item.snapshot, change );
				}
			}
			return write;
		} );
		releaseRemoved( change );
	}

	/**
	 * The item can never be written as it is (conflict or permanent failure): removes the pending write, with any
	 * commits made to it since, and invalidates the cache so reads go to the database. Returns the latest state dropped.
	 */
	public EntitySnapshot drop(FlushItem item) {
		Change change = new Change();
		pending.computeIfCurrent( item.write, (key, write) -> {
			change.before = write.latest;
			loads.bump( key );
			forgetRowCheck( key );
			forgetUncertainAttempts( write );
			write.inFlight( false );
			cache.invalidate( region, key );
			change.removed = true;
			return null;
		} );
		releaseRemoved( change );
		RewriteObserver observer = region.rewriteObserver();
		if ( change.before != null && observer != null ) {
			observer.rewritten( region, item.id(), change.before, null );
		}
		return change.before;
	}

	/** How often the item's write was attempted since it was last written. */
	public int attempts(FlushItem item) {
		return item.write.attempts();
	}

	/**
	 * Gives back the room of a write that left the pending map in the compute just finished (after it, so that the
	 * pending count never exceeds the capacity).
	 */
	private void releaseRemoved(Change change) {
		if ( change.removed ) {
			queue.release( 1 );
		}
	}

	/** Inside the id's compute: the write no longer needs a check of its row. */
	private void forgetRowCheck(Object id) {
		if ( !rowChecks.isEmpty() ) {
			rowChecks.remove( id );
		}
	}

	/** Inside the id's compute: the write is no longer uncertain. */
	private void forgetUncertainAttempts(PendingWrite write) {
		if ( write.uncertain() ) {
			write.uncertain( false );
			uncertainAttempts.remove( write.id );
		}
	}

	private PendingWrite removeClean(PendingWrite write, EntitySnapshot snapshot, Change change) {
		change.removed = true;
		forgetRowCheck( write.id );
		forgetUncertainAttempts( write );
		// a removed id stays in the cache as a deleted marker: find answers "not found" with no SQL, and a reader that
		// read the row just before the delete cannot put it back (EntityCache.putLoaded keeps the marker); so it does
		// when the commit's session bypassed the cache, which otherwise loses the id's entry: the database holds the
		// state now, and a later read finds it there (the bump below refuses a row read before this write)
		if ( write.cacheWhenWritten() || snapshot.isDeleted() ) {
			cache.put( region, write.id, snapshot );
		}
		else {
			cache.invalidate( region, write.id );
		}
		WriteGuard guard = region.guard();
		if ( guard != null && region.versioned() && guard.newerElsewhere( write.id, snapshot.version() ) ) {
			cache.invalidate( region, write.id ); // another node committed a newer state meanwhile
		}
		loads.bump( write.id );
		return null; // the map marks the write removed
	}
}
