package io.writebehind.internal.queue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import com.github.benmanes.caffeine.cache.Ticker;

import io.writebehind.ConflictPolicy;
import io.writebehind.ConflictResolver;
import io.writebehind.internal.cache.EntityCache;

/**
 * The per-entity-id write queue of one persistence unit: the regions (one per opted-in hierarchy), the partitions (one
 * per flusher thread) and the capacity bound. Thread-safe.
 */
public final class WriteQueue {

	private final Partition[] partitions;
	private final List<EntityRegion> regions = new ArrayList<>();
	private final Capacity capacity;

	/** A semaphore whose permits may go below zero: room taken by accepted writes that had not reserved it. */
	private static final class Capacity extends Semaphore {
		Capacity(int permits) {
			super( permits );
		}

		void overdraw(int n) {
			reducePermits( n );
		}
	}
	private final int queueCapacity;
	private final EntityCache cache;
	private final LongAdder coalesced = new LongAdder();
	private final LongAdder queueFullRejections = new LongAdder();
	private volatile boolean paused;
	/** The time source of delays, backoff and lag (the system's; a test's fake one); read by any thread. */
	private final Ticker ticker;

	public WriteQueue(int partitionCount, int regionCount, int flushThreshold, int queueCapacity, EntityCache cache,
			Ticker ticker) {
		this.ticker = ticker;
		this.partitions = new Partition[partitionCount];
		for ( int i = 0; i < partitionCount; i++ ) {
			partitions[i] = new Partition( i, regionCount, flushThreshold, ticker );
		}
		this.capacity = new Capacity( queueCapacity );
		this.queueCapacity = queueCapacity;
		this.cache = cache;
	}

	/** Adds the region at the next foreign-key position; call in that order, before any write. */
	public EntityRegion addRegion(String entityName, long maxDelayMs, boolean versioned, Comparator<Object> versionComparator,
			ConflictPolicy conflictPolicy, ConflictResolver conflictResolver) {
		EntityRegion region = new EntityRegion( entityName, regions.size(), maxDelayMs, versioned, versionComparator,
				conflictPolicy, conflictResolver, this, cache );
		regions.add( region );
		EntityRegion[] ordered = regions.toArray( new EntityRegion[0] );
		for ( Partition partition : partitions ) {
			partition.regions( ordered );
		}
		return region;
	}

	public List<EntityRegion> regions() {
		return regions;
	}

	public Partition[] partitions() {
		return partitions;
	}

	Partition partitionOf(Object id) {
		if ( partitions.length == 1 ) {
			return partitions[0];
		}
		int h = id.hashCode();
		h ^= h >>> 16;
		return partitions[Math.floorMod( h, partitions.length )];
	}

	/** Takes room for {@code n} new pending writes, waiting up to the timeout; false if there was none. */
	public boolean reserve(int n, long timeoutMs) throws InterruptedException {
		return capacity.tryAcquire( n, timeoutMs, TimeUnit.MILLISECONDS );
	}

	/** Takes room for one write if there is some now, without waiting. */
	boolean tryReserveNow() {
		return capacity.tryAcquire();
	}

	/** Takes room for {@code n} writes that were accepted without a reservation; never blocks. */
	public void overdraw(int n) {
		capacity.overdraw( n );
	}

	public void release(int n) {
		if ( n > 0 ) {
			capacity.release( n );
		}
	}

	public int capacity() {
		return queueCapacity;
	}

	void countCoalesced() {
		coalesced.increment();
	}

	public long coalesced() {
		return coalesced.sum();
	}

	/** A commit found no room within {@code queue_full_timeout_ms}; counted for it and for the regions it wrote. */
	public void countQueueFull(Collection<EntityRegion> regionsOfTheCommit) {
		queueFullRejections.increment();
		for ( EntityRegion region : regionsOfTheCommit ) {
			region.counters().queueFullRejections.increment();
		}
	}

	public long queueFullRejections() {
		return queueFullRejections.sum();
	}

	/** Room left for new pending ids (negative when accepted writes overdrew it). */
	public int remainingCapacity() {
		return capacity.availablePermits();
	}

	/** Stops the flusher threads from taking writes; commits keep being queued up to the capacity. */
	public void pause() {
		paused = true;
		for ( Partition partition : partitions ) {
			partition.pause();
		}
	}

	/** Lets the flusher threads go on; everything queued is due at once. */
	public void resume() {
		paused = false;
		for ( Partition partition : partitions ) {
			partition.resume();
		}
	}

	public boolean isPaused() {
		return paused;
	}

	/** Age, in nanoseconds, of the oldest write of the region that has not reached the database; 0 when none. */
	public long lagNanos(EntityRegion region) {
		long oldest = Long.MAX_VALUE;
		for ( Partition partition : partitions ) {
			long candidate = partition.oldestEnqueuedNanos( region.index() );
			if ( candidate != Long.MAX_VALUE && ( oldest == Long.MAX_VALUE || candidate - oldest < 0 ) ) {
				oldest = candidate;
			}
		}
		return oldest == Long.MAX_VALUE ? 0 : Math.max( 0, ticker.read() - oldest );
	}

	/** The largest {@link #lagNanos(EntityRegion)} of all regions. */
	public long lagNanos() {
		long max = 0;
		for ( EntityRegion region : regions ) {
			max = Math.max( max, lagNanos( region ) );
		}
		return max;
	}

	public long pending() {
		long sum = 0;
		for ( EntityRegion region : regions ) {
			sum += region.pendingCount();
		}
		return sum;
	}

	/** The read cache the flusher marks written rows clean in. */
	public EntityCache cache() {
		return cache;
	}

	/**
	 * Blocks until every write of the given regions ({@code null}: all) committed before the call has been written or
	 * handed to failure handling, or the deadline passes; returns whether everything was done.
	 */
	public boolean awaitFlushed(Collection<EntityRegion> only, long deadlineNanos) throws InterruptedException {
		boolean[] asked = null;
		if ( only != null ) {
			asked = new boolean[regions.size()];
			for ( EntityRegion region : only ) {
				asked[region.index()] = true;
			}
		}
		long[][] targets = new long[partitions.length][];
		for ( int i = 0; i < partitions.length; i++ ) {
			targets[i] = partitions[i].requestForce( asked );
		}
		boolean done = true;
		for ( int i = 0; i < partitions.length; i++ ) {
			done &= partitions[i].awaitCompleted( targets[i], deadlineNanos );
		}
		return done;
	}
}
