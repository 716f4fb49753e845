package io.writebehind;

import java.sql.SQLTimeoutException;

import org.hibernate.exception.LockTimeoutException;

/**
 * Thrown by a commit when the write-behind queue holds {@code hibernate.writebehind.queue_capacity} pending writes and
 * no room was freed within {@code hibernate.writebehind.queue_full_timeout_ms}. The transaction is rolled back: none of
 * its writes were accepted, and no accepted write is ever dropped. Retrying later may succeed.
 * <p>
 * It is a Hibernate {@link LockTimeoutException} (the commit waited for room as a statement waits for a lock), so it is
 * translated as one: JPA's {@code commit()} throws {@code RollbackException} whose cause is a JPA
 * {@code LockTimeoutException} or {@code PessimisticLockException} caused by this exception, and Spring translates it
 * to {@code CannotAcquireLockException}, a {@code TransientDataAccessException} that retry templates retry. Its
 * {@link #getSQLException()} describes the situation (SQLState {@code HYT00}, timeout expired); no statement was sent.
 */
public class WriteBehindQueueFullException extends LockTimeoutException {

	public WriteBehindQueueFullException(String message) {
		super( message, new SQLTimeoutException( message, "HYT00" ) );
	}
}
