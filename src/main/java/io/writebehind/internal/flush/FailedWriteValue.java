package io.writebehind.internal.flush;

import java.time.Instant;

import io.writebehind.FailedWrite;
import io.writebehind.internal.common.Causes;

/** The library's {@link FailedWrite}: immutable; equal only to itself, as each failure is an event of its own. */
public final class FailedWriteValue implements FailedWrite {

	private final String entityName;
	private final Object id;
	private final Operation operation;
	private final Reason reason;
	private final Object entity;
	private final int attempts;
	private final Throwable cause;
	private final Instant when;

	public FailedWriteValue(String entityName, Object id, Operation operation, Reason reason, Object entity,
			int attempts, Throwable cause, Instant when) {
		this.entityName = entityName;
		this.id = id;
		this.operation = operation;
		this.reason = reason;
		this.entity = entity;
		this.attempts = attempts;
		this.cause = cause;
		this.when = when;
	}

	@Override
	public String entityName() {
		return entityName;
	}

	@Override
	public Object id() {
		return id;
	}

	@Override
	public Operation operation() {
		return operation;
	}

	@Override
	public Reason reason() {
		return reason;
	}

	@Override
	public Object entity() {
		return entity;
	}

	@Override
	public int attempts() {
		return attempts;
	}

	@Override
	public Throwable cause() {
		return cause;
	}

	@Override
	public Instant when() {
		return when;
	}

	@Override
	public String toString() {
		return "FailedWrite[" + reason + " " + operation + " " + entityName + "#" + id + ", attempts=" + attempts
				+ ( cause == null ? "" : ", cause=" + Causes.describe( cause ) ) + "]";
	}
}
