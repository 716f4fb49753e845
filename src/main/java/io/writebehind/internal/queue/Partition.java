package io.writebehind.internal.queue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * One flusher thread's share of the queue: every entity id maps to exactly one partition, so the writes of an id are
 * applied by one thread, one at a time, in commit order. Holds one FIFO per region (sorted by ticket), the tickets that
 * let {@code flush()} wait for "everything committed before the call", and the flusher's wake-up logic. The FIFOs are
 * intrusive: a queued {@link PendingWrite} is its own list node ({@link PendingWrite#prev}, {@link PendingWrite#next},
 * its ticket and enqueue time), so a pending write costs no node object and is queued at most once; the flusher gets a
 * {@link QueueNode} (the place it took) only for the writes of its cycle.
 * <p>
 * Threads: all fields, and the queue fields of every {@link PendingWrite} of this partition, are guarded by this
 * object's monitor. Committing application threads enqueue; the partition's flusher thread takes due writes and
 * reports cycles done; {@code flush()} callers wait for tickets.
 * <p>
 * Time: every enqueue time, delay and backoff is read from the {@link Ticker} (the system's, or a test's fake one);
 * only the deadline of a {@code flush(Duration)} caller is real time ({@code System.nanoTime()}).
 */
public final class Partition {

	private final int index;
	/** Queued writes at which this partition's writes are due at once, whatever their delay ({@code flush_threshold}'s share). */
	private final int flushThreshold;
	private final Ticker ticker;
	/** Per region: the oldest and the newest queued write (a doubly-linked list through the writes, by ticket). */
	private final PendingWrite[] heads;
	private final PendingWrite[] tails;
	/** Writes put back to wait ({@link #defer}), with the time before which they are not handed out; mostly empty. */
	private final Map<PendingWrite, Long> deferredUntil = new IdentityHashMap<>();
	private EntityRegion[] regions;

	private long ticketCounter;
	/** The writes in the lists. */
	private int queued;
	/** Per region: the last ticket enqueued, the ticket up to which a flush asked for writes at once, and the ticket up
	 * to which every write has been written or handed to failure handling. */
	private final long[] lastTicket;
	private final long[] forceThrough;
	private final long[] completedThrough;
	private boolean cycleRunning;
	private boolean stopped;
	/** While paused, {@link #awaitDue} hands out nothing; commits keep being queued. */
	private boolean paused;
	/** Per region: the oldest enqueue time of the writes the running cycle took (0: none), for the lag figure. */
	private final long[] cycleOldestNanos;
	private long notBeforeNanos;
	private long waitingUntilNanos = Long.MAX_VALUE;
	/** How often the flusher thread found nothing to hand out and began to wait (see {@link #wake()}). */
	private long idleWaits;

	Partition(int index, int regionCount, int flushThreshold, Ticker ticker) {
		this.index = index;
		this.flushThreshold = flushThreshold;
		this.ticker = ticker;
		this.heads = new PendingWrite[regionCount];
		this.tails = new PendingWrite[regionCount];
		this.lastTicket = new long[regionCount];
		this.forceThrough = new long[regionCount];
		this.completedThrough = new long[regionCount];
		this.cycleOldestNanos = new long[regionCount];
	}

	void regions(EntityRegion[] regionsInOrder) {
		this.regions = regionsInOrder;
	}

	public int index() {
		return index;
	}

	/**
	 * Called by a committing thread, inside the write's compute: queues the write at the end of its region's list,
	 * unless it is queued already (the flusher put it back meanwhile, at its older place).
	 */
	synchronized void enqueue(PendingWrite write) {
		if ( write.queuedTicket != 0 ) {
			return;
		}
		long now = ticker.read();
		long ticket = ++ticketCounter;
		lastTicket[write.region.index()] = ticket;
		linkLast( write, ticket, now );
		long deadline = now + write.region.maxDelayNanos();
		// while paused the flusher waits for resume(), not for writes
		if ( !paused
				&& ( queued >= flushThreshold || waitingUntilNanos == Long.MAX_VALUE || deadline - waitingUntilNanos < 0 ) ) {
			notifyAll();
		}
	}

	/**
	 * Called by the flusher thread: waits until writes are due (their delay passed, the flush threshold's share of
	 * writes is queued, or a flush asked for them) and takes up to {@code max} of them ({@code flush_transaction_size}),
	 * oldest first, regions in foreign-key order. While the queue stays at or above the threshold, every call takes
	 * the next {@code max} at once, so a backlog drains transaction after transaction; below it, only writes whose delay
	 * passed (or that a flush asked for) are taken, and updates of the others keep coalescing. Returns {@code null}
	 * once the partition is stopped.
	 */
	public synchronized List<QueueNode> awaitDue(int max) throws InterruptedException {
		while ( true ) {
			if ( stopped ) {
				return null;
			}
			if ( paused ) {
				waitingUntilNanos = Long.MAX_VALUE;
				idleWaits++;
				wait();
				continue;
			}
			long now = ticker.read();
			long nextDeadline = Long.MAX_VALUE;
			if ( now - notBeforeNanos < 0 ) {
				nextDeadline = notBeforeNanos;
			}
			else {
				// sized for what can be handed out (not grown by copying, 5% of the flusher's CPU in a drain)
				List<QueueNode> due = new ArrayList<>( Math.max( 1, Math.min( max, queued ) ) );
				boolean all = queued >= flushThreshold;
				for ( EntityRegion region : regions ) {
					int r = region.index();
					PendingWrite write;
					while ( due.size() < max && ( write = heads[r] ) != null ) {
						long deadline = write.enqueuedNanos + region.maxDelayNanos();
						Long waitUntil = deferredUntil.isEmpty() ? null : deferredUntil.get( write );
						if ( waitUntil != null && now - waitUntil < 0 ) {
							nextDeadline = Math.min( nextDeadline, waitUntil );
							break;
						}
						if ( !all && write.queuedTicket > forceThrough[r] && now - deadline < 0 ) {
							nextDeadline = Math.min( nextDeadline, deadline );
							break;
						}
						QueueNode node = new QueueNode( write, write.queuedTicket, write.enqueuedNanos );
						unlink( write );
						due.add( node );
						long oldest = cycleOldestNanos[r];
						if ( oldest == 0 || node.enqueuedNanos - oldest < 0 ) {
							cycleOldestNanos[r] = node.enqueuedNanos;
						}
					}
				}
				if ( !due.isEmpty() ) {
					cycleRunning = true;
					waitingUntilNanos = Long.MAX_VALUE;
					return due;
				}
			}
			waitingUntilNanos = nextDeadline;
			idleWaits++;
			if ( nextDeadline == Long.MAX_VALUE ) {
				wait();
			}
			else {
				long waitNanos = nextDeadline - now;
				if ( waitNanos > 0 ) {
					TimeUnit.NANOSECONDS.timedWait( this, waitNanos );
				}
			}
		}
	}

	/**
	 * Called by the flusher thread after a transient failure (or a re-based write): the cycle's writes go back to the
	 * front of their regions' queues, in ticket order, whatever order the cycle wrote them in.
	 */
	public synchronized void requeueFront(List<QueueNode> nodes, long retryAfterNanos) {
		putBack( nodes, 0 );
		notBeforeNanos = ticker.read() + retryAfterNanos;
	}

	/**
	 * Called by the flusher thread: these writes wait until {@code delayNanos} from now (a row they reference, or that
	 * references them, is written by another flusher thread); the partition goes on with other writes meanwhile.
	 */
	public synchronized void defer(List<QueueNode> nodes, long delayNanos) {
		putBack( nodes, ticker.read() + delayNanos );
		notifyAll();
	}

	private void putBack(List<QueueNode> nodes, long waitUntilNanos) {
		// the cycle took the oldest writes of each region; put back in ticket order, they stay sorted before the rest
		List<QueueNode> byTicket = new ArrayList<>( nodes );
		byTicket.sort( ( a, b ) -> Long.compare( a.ticket, b.ticket ) );
		for ( int i = byTicket.size() - 1; i >= 0; i-- ) {
			QueueNode node = byTicket.get( i );
			PendingWrite write = node.write;
			if ( write.isRemovedForFlusher() ) {
				continue;
			}
			if ( write.queuedTicket != 0 ) {
				// committed again while the cycle had it: queued at the end, it goes back to its older place
				unlink( write );
			}
			linkFirst( write, node.ticket, node.enqueuedNanos );
			if ( waitUntilNanos != 0 ) {
				deferredUntil.put( write, waitUntilNanos );
			}
		}
	}

	private void linkLast(PendingWrite write, long ticket, long enqueuedNanos) {
		int r = write.region.index();
		write.queuedTicket = ticket;
		write.enqueuedNanos = enqueuedNanos;
		write.prev = tails[r];
		write.next = null;
		if ( tails[r] == null ) {
			heads[r] = write;
		}
		else {
			tails[r].next = write;
		}
		tails[r] = write;
		queued++;
	}

	private void linkFirst(PendingWrite write, long ticket, long enqueuedNanos) {
		int r = write.region.index();
		write.queuedTicket = ticket;
		write.enqueuedNanos = enqueuedNanos;
		write.prev = null;
		write.next = heads[r];
		if ( heads[r] == null ) {
			tails[r] = write;
		}
		else {
			heads[r].prev = write;
		}
		heads[r] = write;
		queued++;
	}

	private void unlink(PendingWrite write) {
		int r = write.region.index();
		PendingWrite prev = write.prev;
		PendingWrite next = write.next;
		if ( prev == null ) {
			heads[r] = next;
		}
		else {
			prev.next = next;
		}
		if ( next == null ) {
			tails[r] = prev;
		}
		else {
			next.prev = prev;
		}
		write.prev = null;
		write.next = null;
		write.queuedTicket = 0;
		if ( !deferredUntil.isEmpty() ) {
			deferredUntil.remove( write );
		}
		queued--;
	}

	/** Called by the flusher thread when a cycle has ended. */
	/** The flusher's cycle ended; returns whether nothing is queued now (the flusher may tidy up, see FlushWorker). */
	public synchronized boolean cycleDone() {
		cycleRunning = false;
		Arrays.fill( cycleOldestNanos, 0 );
		updateCompleted();
		notifyAll();
		return queued == 0;
	}

	private void updateCompleted() {
		if ( cycleRunning ) {
			return;
		}
		for ( int r = 0; r < heads.length; r++ ) {
			PendingWrite head = heads[r];
			completedThrough[r] = head == null ? ticketCounter : head.queuedTicket - 1;
		}
	}

	/**
	 * Makes every write of the given regions (all regions for {@code null}) queued now due at once; returns per region
	 * the ticket a caller of flush() waits for ({@code -1} for regions not asked for).
	 */
	public synchronized long[] requestForce(boolean[] regionsAskedFor) {
		long[] targets = new long[heads.length];
		for ( int r = 0; r < heads.length; r++ ) {
			if ( regionsAskedFor == null || regionsAskedFor[r] ) {
				targets[r] = lastTicket[r];
				forceThrough[r] = Math.max( forceThrough[r], lastTicket[r] );
			}
			else {
				targets[r] = -1;
			}
		}
		updateCompleted();
		notifyAll();
		return targets;
	}

	/** Makes every write of one region queued now due at once (without waiting for them). */
	public synchronized void force(int region) {
		forceThrough[region] = Math.max( forceThrough[region], lastTicket[region] );
		notifyAll();
	}

	/** Waits until every write up to the target tickets has been written or handed to failure handling. */
	public synchronized boolean awaitCompleted(long[] targets, long deadlineNanos) throws InterruptedException {
		while ( !completed( targets ) ) {
			// the caller's deadline is real time: a flush(Duration) waits in real time, whatever the ticker says
			long left = deadlineNanos - System.nanoTime();
			if ( left <= 0 || stopped ) {
				return completed( targets );
			}
			if ( paused ) {
				// paused: nothing is written until resume(); the caller decides what to say
				return completed( targets );
			}
			TimeUnit.NANOSECONDS.timedWait( this, left );
		}
		return true;
	}

	private boolean completed(long[] targets) {
		for ( int r = 0; r < targets.length; r++ ) {
			if ( completedThrough[r] < targets[r] ) {
				return false;
			}
		}
		return true;
	}

	/** Ends waiting in the past retry backoff, for a flush on close that should try at once. */
	public synchronized void retryNow() {
		notBeforeNanos = ticker.read();
		notifyAll();
	}

	/** Stops handing out writes (commits keep being queued); a flush waiting on this partition returns. */
	public synchronized void pause() {
		paused = true;
		notifyAll();
	}

	/** Hands out writes again; everything queued now is due at once (drained at full speed), backoff ends. */
	public synchronized void resume() {
		if ( !paused ) {
			return;
		}
		paused = false;
		for ( int r = 0; r < heads.length; r++ ) {
			forceThrough[r] = Math.max( forceThrough[r], lastTicket[r] );
		}
		notBeforeNanos = ticker.read();
		notifyAll();
	}

	public synchronized boolean isPaused() {
		return paused;
	}

	/**
	 * The enqueue time ({@link Ticker#read()}) of the oldest write of a region that has not reached the database:
	 * queued or being written by the running cycle; {@code Long.MAX_VALUE} when there is none.
	 */
	public synchronized long oldestEnqueuedNanos(int region) {
		long oldest = Long.MAX_VALUE;
		long inCycle = cycleOldestNanos[region];
		if ( inCycle != 0 ) {
			oldest = inCycle;
		}
		PendingWrite head = heads[region];
		if ( head != null && ( oldest == Long.MAX_VALUE || head.enqueuedNanos - oldest < 0 ) ) {
			oldest = head.enqueuedNanos;
		}
		return oldest;
	}

	/**
	 * Test seam (a fake {@link Ticker} was moved): makes the flusher thread look at the queue again, and returns
	 * {@link #idleWaits()} as it was at the call. Once {@code idleWaits()} is above the returned value, the flusher has
	 * read the ticker after the call and either found nothing due or written what was due and come back to wait.
	 */
	public synchronized long wake() {
		notifyAll();
		return idleWaits;
	}

	/** How often the flusher thread found nothing to hand out and began to wait; see {@link #wake()}. */
	public synchronized long idleWaits() {
		return idleWaits;
	}

	public synchronized void stop() {
		stopped = true;
		notifyAll();
	}


	/** The writes still queued, for the log line of a shutdown that ran out of time. */
	public synchronized List<PendingWrite> queuedWrites() {
		List<PendingWrite> result = new ArrayList<>();
		for ( PendingWrite head : heads ) {
			for ( PendingWrite write = head; write != null; write = write.next ) {
				result.add( write );
			}
		}
		return result;
	}
}
