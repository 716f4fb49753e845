package io.writebehind;

import java.time.Duration;

import io.writebehind.FailedWrite.Operation;

/**
 * Told of what the flusher does, for applications that feed their own monitoring. Every method has a no-op default:
 * implement the ones you need. Register a listener with the setting {@code hibernate.writebehind.listeners}
 * ({@link WriteBehindSettings#LISTENERS}: comma-separated class names with a public no-argument constructor) or with
 * {@link WriteBehind#addListener(WriteBehindListener)}.
 * <p>
 * Methods are called on a flusher thread, synchronously: keep them short (hand heavy work to an executor of your
 * own). An exception a listener throws is logged (WB000021) and never stops the flusher nor the other listeners.
 */
public interface WriteBehindListener {

	/**
	 * A flush transaction committed.
	 *
	 * @param persistenceUnit the persistence unit's name
	 * @param writes rows written by it (inserts, updates and deletes)
	 * @param duration how long the transaction took, from opening its session to its commit
	 */
	default void batchFlushed(String persistenceUnit, int writes, Duration duration) {
	}

	/**
	 * A write found the row changed behind write-behind's back (its version check matched no row); the entity's
	 * conflict policy decides what happens next ({@link #writeFailed} follows for {@link ConflictPolicy#FAIL}).
	 */
	default void conflict(String persistenceUnit, String entityName, Object id, Operation operation) {
	}

	/**
	 * A write went to failure handling: a permanent failure ({@link FailedWrite.Reason#FAILED}) or a conflict the
	 * policy did not resolve ({@link FailedWrite.Reason#CONFLICT}). Called before the {@link WriteFailureHandler}.
	 */
	default void writeFailed(String persistenceUnit, FailedWrite write) {
	}

	/**
	 * A flush failed for a transient reason (connection, deadlock, timeout); its writes stay queued and are tried
	 * again after {@code backoff}.
	 *
	 * @param writes writes that stay queued for the retry
	 * @param attempt how many flushes in a row have failed so far (1 for the first failure of an outage)
	 */
	default void retry(String persistenceUnit, int writes, int attempt, Duration backoff, Throwable cause) {
	}
}
