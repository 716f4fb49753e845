package io.writebehind.internal.flush;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import io.writebehind.FailedWrite;
import io.writebehind.FailedWrite.Operation;
import io.writebehind.WriteBehindListener;
import io.writebehind.internal.common.WriteBehindLogger;

/**
 * The {@link WriteBehindListener}s of one persistence unit. Adding and removing copy an array (rare); telling reads a
 * volatile array and does nothing more when it is empty, so the flusher pays nothing without listeners. A listener's
 * exception is logged and swallowed.
 */
public final class FlushListeners {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( FlushListeners.class );
	private static final WriteBehindListener[] NONE = new WriteBehindListener[0];

	private final String unitName;
	private final String logPrefix;
	private volatile WriteBehindListener[] listeners = NONE;

	public FlushListeners(String unitName, String logPrefix, List<WriteBehindListener> initial) {
		this.unitName = unitName;
		this.logPrefix = logPrefix;
		initial.forEach( this::add );
	}

	public synchronized void add(WriteBehindListener listener) {
		Objects.requireNonNull( listener, "listener" );
		WriteBehindListener[] copy = Arrays.copyOf( listeners, listeners.length + 1 );
		copy[listeners.length] = listener;
		listeners = copy;
	}

	/** Removes a listener (the first one equal to it); returns whether there was one. */
	public synchronized boolean remove(WriteBehindListener listener) {
		for ( int i = 0; i < listeners.length; i++ ) {
			if ( listeners[i].equals( listener ) ) {
				WriteBehindListener[] copy = new WriteBehindListener[listeners.length - 1];
				System.arraycopy( listeners, 0, copy, 0, i );
				System.arraycopy( listeners, i + 1, copy, i, listeners.length - i - 1 );
				listeners = copy;
				return true;
			}
		}
		return false;
	}

	public boolean isEmpty() {
		return listeners.length == 0;
	}

	void batchFlushed(int writes, long nanos) {
		WriteBehindListener[] all = listeners;
		if ( all.length == 0 ) {
			return;
		}
		Duration duration = Duration.ofNanos( nanos );
		for ( WriteBehindListener listener : all ) {
			try {
				listener.batchFlushed( unitName, writes, duration );
			}
			catch (RuntimeException | Error e) {
				failed( listener, "batchFlushed", e );
			}
		}
	}

	void conflict(String entityName, Object id, Operation operation) {
		for ( WriteBehindListener listener : listeners ) {
			try {
				listener.conflict( unitName, entityName, id, operation );
			}
			catch (RuntimeException | Error e) {
				failed( listener, "conflict", e );
			}
		}
	}

	void writeFailed(FailedWrite write) {
		for ( WriteBehindListener listener : listeners ) {
			try {
				listener.writeFailed( unitName, write );
			}
			catch (RuntimeException | Error e) {
				failed( listener, "writeFailed", e );
			}
		}
	}

	void retry(int writes, int attempt, long backoffNanos, Throwable cause) {
		WriteBehindListener[] all = listeners;
		if ( all.length == 0 ) {
			return;
		}
		Duration backoff = Duration.ofNanos( backoffNanos );
		for ( WriteBehindListener listener : all ) {
			try {
				listener.retry( unitName, writes, attempt, backoff, cause );
			}
			catch (RuntimeException | Error e) {
				failed( listener, "retry", e );
			}
		}
	}

	private void failed(WriteBehindListener listener, String event, Throwable e) {
		if ( e instanceof VirtualMachineError fatal ) {
			throw fatal;
		}
		LOG.listenerFailed( logPrefix, listener, event, e );
	}
}
