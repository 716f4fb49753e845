package io.writebehind;

import io.writebehind.FailedWrite.Operation;

/** A conflict handed to a {@link ConflictResolver}: our write and the row the database holds now. */
public final class WriteConflict {

	private final String entityName;
	private final Object id;
	private final Operation operation;
	private final Object ours;
	private final Object database;

	/** For the library's own use. */
	public WriteConflict(String entityName, Object id, Operation operation, Object ours, Object database) {
		this.entityName = entityName;
		this.id = id;
		this.operation = operation;
		this.ours = ours;
		this.database = database;
	}

	public String entityName() {
		return entityName;
	}

	public Object id() {
		return id;
	}

	/** What our write was: {@code UPDATE} or {@code DELETE}. */
	public Operation operation() {
		return operation;
	}

	/**
	 * A detached instance with the state we tried to write ({@code null} for a remove). Its to-one associations are
	 * uninitialised references: read their ids, not their state.
	 */
	public Object ours() {
		return ours;
	}

	/** A detached instance with the row the database holds now, or {@code null} if the row was removed. */
	public Object database() {
		return database;
	}

	@Override
	public String toString() {
		return "WriteConflict[" + operation + " " + entityName + "#" + id + "]";
	}
}
