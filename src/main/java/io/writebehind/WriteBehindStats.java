package io.writebehind;

/**
 * An immutable snapshot of one persistence unit's write-behind figures, taken by {@link WriteBehind#stats()}. Counters
 * count since the {@code EntityManagerFactory} started.
 */
public final class WriteBehindStats {

	private final long pending;
	private final long flushed;
	private final long coalesced;
	private final long failed;
	private final long conflicts;
	private final long batches;
	private final long retries;
	private final long cacheSize;

	/** For the library's own use. */
	public WriteBehindStats(long pending, long flushed, long coalesced, long failed, long conflicts, long batches,
			long retries, long cacheSize) {
		this.pending = pending;
		this.flushed = flushed;
		this.coalesced = coalesced;
		this.failed = failed;
		this.conflicts = conflicts;
		this.batches = batches;
		this.retries = retries;
		this.cacheSize = cacheSize;
	}

	/** Entity ids whose latest committed write has not reached the database yet. */
	public long pending() {
		return pending;
	}

	/** Rows written to the database (inserts, updates and deletes). */
	public long flushed() {
		return flushed;
	}

	/** Committed writes that were merged into a write of the same id that was still pending, so cost no statement. */
	public long coalesced() {
		return coalesced;
	}

	/** Writes the database refused permanently (not conflicts); they are in {@link WriteBehind#failedWrites()}. */
	public long failed() {
		return failed;
	}

	/** Writes that found the row changed behind our back (optimistic version check failed at flush). */
	public long conflicts() {
		return conflicts;
	}

	/** Flush transactions the flusher committed. */
	public long batches() {
		return batches;
	}

	/** Flush attempts that failed with a transient error and were retried. */
	public long retries() {
		return retries;
	}

	/** Clean entities held by the read cache (entities with a pending write are not counted). */
	public long cacheSize() {
		return cacheSize;
	}

	@Override
	public String toString() {
		return "WriteBehindStats[pending=" + pending + ", flushed=" + flushed + ", coalesced=" + coalesced
				+ ", failed=" + failed + ", conflicts=" + conflicts + ", batches=" + batches + ", retries=" + retries
				+ ", cacheSize=" + cacheSize + "]";
	}
}
