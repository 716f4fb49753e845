package io.writebehind.internal.queue;

/**
 * Whether an entity's row exists in the database and its version there ({@code null}: unversioned, or no row), as read
 * from the database or as far as this node knows.
 */
public record RowState(boolean exists, Object version) {

	/** No row. */
	public static final RowState ABSENT = new RowState( false, null );
}
