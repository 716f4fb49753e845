package io.writebehind.internal.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import io.writebehind.internal.cache.EntitySnapshot;

/**
 * The pending write of one entity id: the latest committed state and what the database holds. Lives in its region's
 * pending map from the first commit until the flusher has written the latest state. While it is queued it is also its
 * own node in its partition's queue ({@link Partition}: no node object per write).
 * <p>
 * Threads: {@link #latest} is read lock-free by readers. The queue fields ({@link #queuedTicket},
 * {@link #enqueuedNanos}, {@link #prev}, {@link #next}) are written under the partition's monitor (and read there;
 * {@link #queuedTicket} also inside the compute, to decide whether a commit queues the write). Every other field is
 * read and written only inside {@code region.pending.compute(id, ...)}, by committing application threads and by the
 * flusher thread of the id's partition.
 * <p>
 * Memory: about one per pending id, so the fields are few and small (64 bytes with compressed references: the flags in
 * one byte, the attempts in a {@code char}; it is also its own entry of the region's {@link PendingMap}): what is
 * rarely needed lives elsewhere ({@link EntityRegion}'s row checks of recovered writes, the partition's deferrals).
 */
public final class PendingWrite {

	final EntityRegion region;
	final Object id;

	volatile EntitySnapshot latest;

	/**
	 * Commits applied to {@link #latest}, compared for equality only ({@link FlushItem#seq}: did a commit come while
	 * the item was written?), so an {@code int} that wraps is enough.
	 */
	int seq;
	/**
	 * How often the write was attempted since it was last written (changed by the flusher thread, in the compute);
	 * a {@code char}, which stops at {@value #MAX_ATTEMPTS} (a write retried that often through an outage says so).
	 */
	private char attempts;
	/**
	 * The write's flags ({@link #UNWRITTEN} ... {@link #NOT_CACHED}), one byte rather than six booleans (the pending
	 * write fits 64 bytes). Changed inside the compute only, stored with release: {@link #dbExists()} is also read
	 * without the lock ({@code EntityRegion.isPendingInsert}), with acquire.
	 */
	private byte flags;

	/** {@link #latest} has not reached the database (the flusher has not written this {@link #seq} yet). */
	private static final int UNWRITTEN = 1;
	/** Whether the row exists in the database (its version: {@link #dbVersion}), as of the last write (or the first commit). */
	private static final int DB_EXISTS = 1 << 1;
	/** Taken by a flush cycle that is writing it. */
	private static final int IN_FLIGHT = 1 << 2;
	/** Left the pending map. */
	private static final int REMOVED = 1 << 3;
	/** A flush of this write failed while committing: it may have reached the database. */
	private static final int UNCERTAIN = 1 << 4;
	/** The database state is unknown (a replayed failed write): read the row before writing. */
	private static final int NEEDS_REBASE = 1 << 5;
	/**
	 * The latest commit's session did not store into the cache (its cache mode has puts disabled: JPA's
	 * {@code CacheStoreMode.BYPASS}): once written, the state is not kept in the read cache.
	 */
	private static final int NOT_CACHED = 1 << 6;

	/** The largest count of attempts kept ({@link #attempts()} stays there). */
	static final int MAX_ATTEMPTS = Character.MAX_VALUE;

	private static final VarHandle FLAGS;
	static {
		try {
			FLAGS = MethodHandles.lookup().findVarHandle( PendingWrite.class, "flags", byte.class );
		}
		catch (ReflectiveOperationException e) {
			throw new ExceptionInInitializerError( e );
		}
	}

	/** The row's version in the database, as of the last write (or the first commit); see {@link #dbExists()}. */
	Object dbVersion;

	/**
	 * Data a feature attached to {@link #latest} (the journal's place of the record that holds it), {@code null} when
	 * no feature needs any; replaced by the next commit that brings its own. Written inside the map's compute;
	 * volatile for the features' scans of the pending writes ({@link EntityRegion#attachments}).
	 */
	volatile Object attachment;

	/** Ticket of this write's place in its partition's queue, 0 when it is not queued. */
	volatile long queuedTicket;
	/** When the write took its place in the queue ({@code Ticker.read()}), for its delay and the lag. */
	long enqueuedNanos;
	/** The neighbours in its region's queue of the partition (older, newer); null at the ends or when not queued. */
	PendingWrite prev;
	PendingWrite next;

	PendingWrite(EntityRegion region, Object id, boolean dbExists, Object dbVersion) {
		this.region = region;
		this.id = id;
		this.flags = dbExists ? (byte) DB_EXISTS : 0;
		this.dbVersion = dbVersion;
	}

	/** Inside the compute: {@code state} is the latest state of the id (a commit, a replay, a re-base), not yet written. */
	void setLatest(EntitySnapshot state) {
		latest = state;
		seq++;
		unwritten( true );
	}

	private boolean flag(int flag) {
		return ( flags & flag ) != 0;
	}

	/** Inside the compute. */
	private void flag(int flag, boolean value) {
		int changed = value ? flags | flag : flags & ~flag;
		FLAGS.setRelease( this, (byte) changed );
	}

	boolean unwritten() {
		return flag( UNWRITTEN );
	}

	void unwritten(boolean value) {
		flag( UNWRITTEN, value );
	}

	/** Whether the row exists in the database; any thread (acquire: see {@link #flags}). */
	boolean dbExists() {
		return ( (byte) FLAGS.getAcquire( this ) & DB_EXISTS ) != 0;
	}

	void dbExists(boolean value) {
		flag( DB_EXISTS, value );
	}

	boolean inFlight() {
		return flag( IN_FLIGHT );
	}

	void inFlight(boolean value) {
		flag( IN_FLIGHT, value );
	}

	boolean removed() {
		return flag( REMOVED );
	}

	/** As {@link #removed}, read with acquire: for a reader that holds no lock ({@link PendingMap#get}). */
	boolean removedAcquire() {
		return ( (byte) FLAGS.getAcquire( this ) & REMOVED ) != 0;
	}

	/** Set by {@link PendingMap} alone, when the write leaves the map (under the id's segment lock). */
	void removed(boolean value) {
		flag( REMOVED, value );
	}

	boolean uncertain() {
		return flag( UNCERTAIN );
	}

	void uncertain(boolean value) {
		flag( UNCERTAIN, value );
	}

	/** Whether the state, once written, is kept in the read cache (the latest commit's session stored into it). */
	boolean cacheWhenWritten() {
		return !flag( NOT_CACHED );
	}

	void cacheWhenWritten(boolean value) {
		if ( value == flag( NOT_CACHED ) ) {
			flag( NOT_CACHED, !value );
		}
	}

	boolean needsRebase() {
		return flag( NEEDS_REBASE );
	}

	void needsRebase(boolean value) {
		flag( NEEDS_REBASE, value );
	}

	/** How often the write was attempted since it was last written (at most {@value #MAX_ATTEMPTS}). */
	int attempts() {
		return attempts;
	}

	void attempts(int value) {
		attempts = (char) Math.min( value, MAX_ATTEMPTS );
	}

	/** Inside the compute: one more attempt (counted up to {@value #MAX_ATTEMPTS}). */
	void attemptStarted() {
		if ( attempts < MAX_ATTEMPTS ) {
			attempts++;
		}
	}

	/** The partition of the id (one flusher thread applies all of its writes). */
	Partition partition() {
		return region.partitionOf( id );
	}

	/** Read by the partition's flusher thread, which is the only thread that removes writes. */
	boolean isRemovedForFlusher() {
		return removed();
	}

	public EntityRegion region() {
		return region;
	}

	public Object id() {
		return id;
	}

	@Override
	public String toString() {
		return region.entityName() + "#" + id;
	}
}
