package io.writebehind.hibernate;

import java.time.Duration;
import java.util.Collection;
import java.util.function.Supplier;

import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.common.HibernateFailures;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.queue.EntityRegion;

/**
 * The flush an application thread waits for before a read that must find the pending writes in the database (a
 * query, a reference to a pending insert, an inverse one-to-one, {@code refresh}, a locking load, a collection load),
 * bounded by {@link WriteBehindSettings#READ_FLUSH_TIMEOUT_MS}. Runs on the application thread.
 */
final class ReadFlush {

	private ReadFlush() {
	}

	/**
	 * Flushes the pending writes of {@code regions} ({@code null}: all) or fails with a {@code QueryTimeoutException}
	 * whose message is {@code what} ("the pending writes of X could not be flushed before ...") followed by the
	 * setting and its value ("(waited hibernate.writebehind.read_flush_timeout_ms=N ms)").
	 */
	static void flushOrFail(WriteBehindRuntime runtime, Collection<EntityRegion> regions, Supplier<String> what) {
		long timeout = runtime.config().readFlushTimeoutMs;
		if ( !runtime.flush( regions, Duration.ofMillis( timeout ) ) ) {
			throw HibernateFailures.flushTimedOut( runtime.logPrefix() + what.get() + " (waited "
					+ WriteBehindSettings.READ_FLUSH_TIMEOUT_MS + "=" + timeout + " ms)" );
		}
	}
}
