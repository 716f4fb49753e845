package io.writebehind.internal.flush;

import java.util.concurrent.atomic.LongAdder;

/** The flusher's counters, written by flusher threads and read by any thread. */
public final class FlushCounters {
	final LongAdder flushed = new LongAdder();
	final LongAdder failed = new LongAdder();
	final LongAdder conflicts = new LongAdder();
	final LongAdder batches = new LongAdder();
	final LongAdder retries = new LongAdder();
	final LongAdder flushNanos = new LongAdder();

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
