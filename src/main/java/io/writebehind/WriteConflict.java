package io.writebehind;

import io.writebehind.FailedWrite.Operation;

/**
 * A conflict handed to a {@link ConflictResolver}: our write and the row the database holds now. An interface
 * implemented by write-behind itself.
 */
public interface WriteConflict {

	String entityName();

	Object id();

	/** What our write was: {@code UPDATE} or {@code DELETE}. */
	Operation operation();

	/**
	 * A detached instance with the state we tried to write ({@code null} for a remove). Its to-one associations are
	 * uninitialised references: read their ids, not their state.
	 */
	Object ours();

	/** A detached instance with the row the database holds now, or {@code null} if the row was removed. */
	Object database();
}
