package io.writebehind.internal.flush;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The flusher's counters of the whole unit, one meaning each (docs/observability.md); bumped by flusher threads,
 * summed by any thread (LongAdders: no lock).
 */
public final class FlushCounters {
	/** Writes that reached the database (rows inserted, updated or deleted, or found applied after an uncertain commit). */
	final LongAdder flushed = new LongAdder();
	/** Writes the database refused for good (not conflicts). */
	final LongAdder failed = new LongAdder();
	/** Writes whose version check failed at flush. */
	final LongAdder conflicts = new LongAdder();
	/** Flush transactions that committed (a write found applied after an uncertain commit ran none: not counted). */
	final LongAdder batches = new LongAdder();
	/** Writes put back in the queue after a transient failure of their flush, one per write and attempt. */
	final LongAdder retries = new LongAdder();
	/** Flush attempts (a flush transaction, or the row read of a replayed write) that failed for a transient reason. */
	final LongAdder flushFailures = new LongAdder();
	/** Time spent in the flush transactions that committed. */
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

	/** Flush transactions that committed. */
	public long batches() {
		return batches.sum();
	}

	/** Writes put back in the queue after a transient failure, one per write and attempt. */
	public long retries() {
		return retries.sum();
	}

	/** Flush attempts that failed for a transient reason (and were retried later). */
	public long flushFailures() {
		return flushFailures.sum();
	}

	/** Total time spent in flush transactions that committed, in nanoseconds. */
	public long flushNanos() {
		return flushNanos.sum();
	}
}
