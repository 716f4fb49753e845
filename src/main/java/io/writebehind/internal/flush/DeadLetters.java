package io.writebehind.internal.flush;

import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import io.writebehind.FailedWrite;

/**
 * The bounded list of writes that failed permanently or conflicted, for an operator to inspect. Written by flusher
 * threads, read and cleared by any thread; guarded by its own monitor.
 */
public final class DeadLetters {

	private static final Logger LOG = Logger.getLogger( DeadLetters.class );

	private final int capacity;
	private final String logPrefix;
	private final ArrayList<FailedWrite> writes = new ArrayList<>();

	public DeadLetters(int capacity, String logPrefix) {
		this.capacity = capacity;
		this.logPrefix = logPrefix;
	}

	synchronized void add(FailedWrite write) {
		if ( writes.size() >= capacity ) {
			if ( capacity == 0 ) {
				return;
			}
			FailedWrite oldest = writes.remove( 0 );
			LOG.errorf( "%sThe failed-write list is full (hibernate.writebehind.dead_letter_capacity=%d): %s leaves it; "
					+ "it was logged when it failed", logPrefix, capacity, oldest );
		}
		writes.add( write );
	}

	public synchronized List<FailedWrite> snapshot() {
		return List.copyOf( writes );
	}

	public synchronized int discardAll() {
		int n = writes.size();
		writes.clear();
		return n;
	}
}
