package io.writebehind;

import java.time.Instant;

/**
 * A committed write that did not reach the database: the database refused it permanently, or its optimistic version
 * check found the row changed behind our back (a conflict). Kept by {@link WriteBehind#failedWrites()} until retried or
 * discarded; the cache entry of its id was invalidated, so reads show the database's state.
 */
public final class FailedWrite {

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

	private final String entityName;
	private final Object id;
	private final Operation operation;
	private final Reason reason;
	private final Object entity;
	private final int attempts;
	private final Throwable cause;
	private final Instant when;

	/** For the library's own use. */
	public FailedWrite(String entityName, Object id, Operation operation, Reason reason, Object entity, int attempts,
			Throwable cause, Instant when) {
		this.entityName = entityName;
		this.id = id;
		this.operation = operation;
		this.reason = reason;
		this.entity = entity;
		this.attempts = attempts;
		this.cause = cause;
		this.when = when;
	}

	/** The entity name (for a hierarchy, the concrete subclass). */
	public String entityName() {
		return entityName;
	}

	public Object id() {
		return id;
	}

	public Operation operation() {
		return operation;
	}

	public Reason reason() {
		return reason;
	}

	/**
	 * A detached instance holding the state we tried to write (associations are uninitialised references), or
	 * {@code null} for a delete.
	 */
	public Object entity() {
		return entity;
	}

	/** How many times the flusher tried to write it. */
	public int attempts() {
		return attempts;
	}

	/** The exception that made the write fail, or {@code null} for a conflict found by a row count of zero. */
	public Throwable cause() {
		return cause;
	}

	public Instant when() {
		return when;
	}

	@Override
	public String toString() {
		return "FailedWrite[" + reason + " " + operation + " " + entityName + "#" + id + ", attempts=" + attempts
				+ (cause == null ? "" : ", cause=" + io.writebehind.internal.Causes.describe( cause )) + "]";
	}
}
