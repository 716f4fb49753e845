package io.writebehind.internal.flush;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The flusher's counters, written by flusher threads and read by any thread. */
public final class FlushCounters {
	final LongAdder flushed = new LongAdder();
	final LongAdder failed = new LongAdder();
	final LongAdder conflicts = new LongAdder();
	final LongAdder batches = new LongAdder();
	final LongAdder retries = new LongAdder();
	final LongAdder flushNanos = new LongAdder();
	/** When the current outage of each flusher thread that is in one started (System.nanoTime()). */
	private final Map<Object, Long> outageStarts = new ConcurrentHashMap<>();

	void outageStarted(Object worker, long startNanos) {
		outageStarts.put( worker, startNanos );
	}

	void outageOver(Object worker) {
		outageStarts.remove( worker );
	}

	/**
	 * How long the flusher has been unable to write, in nanoseconds: since the first failed attempt of the longest
	 * current outage of a flusher thread; 0 when every thread's last flush attempt succeeded.
	 */
	public long outageNanos() {
		long now = System.nanoTime();
		long longest = 0;
		for ( long start : outageStarts.values() ) {
			longest = Math.max( longest, now - start );
		}
		return longest;
	}

	public long flushed() {
		return flushed.sum();
	}

	public long failed() {
		return failed.sum();
	}

	public long conflicts() {
		return conflicts.sum();
	}

	public long batches() {
		return batches.sum();
	}

	public long retries() {
		return retries.sum();
	}

	/** Total time spent in flush transactions that committed, in nanoseconds. */
	public long flushNanos() {
		return flushNanos.sum();
	}
}
