package io.writebehind.internal.flush;

import java.util.ArrayList;
import java.util.List;

import io.writebehind.FailedWrite;
import io.writebehind.WriteFailureHandler;
import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.queue.EntityRegion;

/**
 * Where writes that cannot reach the database go: the {@link WriteFailureHandler} (the default one logs at ERROR and
 * keeps the write), and the bounded list of kept writes behind {@code WriteBehind.failedWrites()}, each with what is
 * needed to replay it. Called by flusher threads; read, replayed and cleared by any thread; the list is guarded by
 * this object's monitor.
 */
public final class FailureHandling {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( FailureHandling.class );

	private record Kept(FailedWrite write, EntityRegion region, EntitySnapshot snapshot) {
	}

	private final int capacity;
	private final String logPrefix;
	private final ArrayList<Kept> kept = new ArrayList<>();
	/** The write being handed to the handler on this flusher thread, so that keep(FailedWrite) can find its state. */
	private final ThreadLocal<Kept> current = new ThreadLocal<>();
	private volatile WriteFailureHandler handler;

	public FailureHandling(int capacity, String logPrefix, WriteFailureHandler handler) {
		this.capacity = capacity;
		this.logPrefix = logPrefix;
		this.handler = handler;
	}

	/** Replaces the handler; {@code null} restores the default one. */
	public void handler(WriteFailureHandler handler) {
		this.handler = handler;
	}

	/** Called by a flusher thread for each write that failed for good; never throws. */
	void handle(FailedWrite write, EntityRegion region, EntitySnapshot snapshot) {
		Kept context = new Kept( write, region, snapshot );
		current.set( context );
		try {
			WriteFailureHandler custom = handler;
			if ( custom == null ) {
				LOG.writeFailed( logPrefix, write );
				keep( context );
			}
			else {
				custom.onFailure( write );
			}
		}
		catch (RuntimeException | Error e) {
			LOG.failureHandlerFailed( logPrefix, handler, write, e );
			keep( context );
		}
		finally {
			current.remove();
		}
	}

	/** Keeps a failed write in the list; from a handler's thread, with what is needed to replay it. */
	public void keep(FailedWrite write) {
		Kept context = current.get();
		keep( context != null && context.write() == write ? context : new Kept( write, null, null ) );
	}

	private synchronized void keep(Kept context) {
		for ( Kept k : kept ) {
			if ( k.write() == context.write() ) {
				return;
			}
		}
		if ( capacity == 0 ) {
			return;
		}
		if ( kept.size() >= capacity ) {
			Kept oldest = kept.remove( 0 );
			LOG.deadLetterFull( logPrefix, capacity, oldest.write() );
		}
		kept.add( context );
	}

	public synchronized List<FailedWrite> failedWrites() {
		return kept.stream().map( Kept::write ).toList();
	}

	public synchronized int discardAll() {
		int n = kept.size();
		kept.clear();
		return n;
	}

	/**
	 * Queues every kept write again, to be written over whatever the database holds by then; returns how many were
	 * queued. A write whose id the application has committed again since stays out (the newer state wins), as does one
	 * that finds the queue full or was kept without its state; those stay in the list.
	 */
	public int replayAll() {
		List<Kept> snapshot;
		synchronized ( this ) {
			snapshot = new ArrayList<>( kept );
		}
		int replayed = 0;
		List<Kept> done = new ArrayList<>();
		for ( Kept k : snapshot ) {
			if ( k.region() == null || k.snapshot() == null ) {
				LOG.cannotReplayWithoutState( logPrefix, k.write() );
			}
			else if ( k.region().replays().failed( k.write().id(), k.snapshot() ) ) {
				replayed++;
				done.add( k );
			}
			else {
				LOG.notReplayed( logPrefix, k.write() );
			}
		}
		synchronized ( this ) {
			kept.removeAll( done );
		}
		return replayed;
	}
}
