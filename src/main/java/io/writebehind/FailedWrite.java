package io.writebehind;

import java.time.Instant;

/**
 * A committed write that did not reach the database: the database refused it permanently, or its optimistic version
 * check found the row changed behind our back (a conflict). Kept by {@link WriteBehind#failedWrites()} until retried or
 * discarded; the cache entry of its id was invalidated, so reads show the database's state. An interface implemented
 * by write-behind itself.
 */
public interface FailedWrite {

	/** Why the write did not reach the database. */
	public enum Reason {
		/** The row's version (or existence) was not the one the write was based on. */
		CONFLICT,
		/** The database refused the write (constraint violation, value too long, ...). */
		FAILED
	}

	/** The statement the write needed. */
	public enum Operation {
		INSERT, UPDATE, DELETE
	}

	/** The entity name (for a hierarchy, the concrete subclass). */
	String entityName();

	Object id();

	Operation operation();

	Reason reason();

	/**
	 * A detached instance holding the state we tried to write (associations are uninitialised references), or
	 * {@code null} for a delete.
	 */
	Object entity();

	/** How many times the flusher tried to write it (counted up to 65,535). */
	int attempts();

	/** The exception that made the write fail, or {@code null} for a conflict found by a row count of zero. */
	Throwable cause();

	Instant when();

	/**
	 * {@code FailedWrite[REASON OPERATION entity#id, attempts=n, cause=...]}: the cause as its exception classes,
	 * SQLState, vendor code and constraint name, never the database's message (which may quote the row's values).
	 */
	@Override
	String toString();
}
