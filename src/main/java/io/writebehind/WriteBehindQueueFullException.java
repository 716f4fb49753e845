package io.writebehind;

import jakarta.persistence.PersistenceException;

/**
 * Thrown by a commit when the write-behind queue holds {@code hibernate.writebehind.queue_capacity} pending writes and
 * no room was freed within {@code hibernate.writebehind.queue_full_timeout_ms}. The transaction is rolled back: none of
 * its writes were accepted, and no accepted write is ever dropped.
 */
public class WriteBehindQueueFullException extends PersistenceException {

	public WriteBehindQueueFullException(String message) {
		super( message );
	}
}
