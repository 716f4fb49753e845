package io.writebehind.internal.flush;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

import org.hibernate.StaleStateException;
import org.hibernate.exception.ConstraintViolationException;
import org.hibernate.exception.JDBCConnectionException;
import org.hibernate.exception.LockAcquisitionException;

import jakarta.persistence.OptimisticLockException;

/** Sorts flush failures into conflicts, transient errors (retried) and permanent errors. */
final class FlushErrors {

	private FlushErrors() {
	}

	/** A versioned write found no row with the expected version. */
	static boolean isConflict(Throwable e) {
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			if ( t instanceof StaleStateException || t instanceof OptimisticLockException ) {
				return true;
			}
		}
		return false;
	}

	/** A foreign key refused the write: the referenced row is missing, or a row still references the deleted one. */
	static boolean isForeignKeyViolation(Throwable e) {
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			if ( t instanceof ConstraintViolationException cve
					&& cve.getKind() == ConstraintViolationException.ConstraintKind.FOREIGN_KEY ) {
				return true;
			}
			if ( t instanceof SQLException sql ) {
				String state = sql.getSQLState();
				int code = sql.getErrorCode();
				if ( "23503".equals( state ) || "23506".equals( state ) || code == 1451 || code == 1452 ) {
					return true;
				}
			}
		}
		return false;
	}

	/**
	 * Connection, resource, serialization/deadlock and lock-timeout errors: the same write may succeed later. SQLState
	 * classes 08 (connection), 40 (transaction rollback: serialization failure, deadlock), 53 (insufficient resources),
	 * 57 (operator intervention) and HYT (timeout); and any failure caused by the connection's socket failing or timing
	 * out (H2's TCP client says "connection broken", SQLState 90067, with the socket's exception as the cause).
	 */
	static boolean isTransient(Throwable e) {
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			if ( t instanceof JDBCConnectionException || t instanceof LockAcquisitionException
					|| t instanceof SQLTransientException || t instanceof SQLRecoverableException
					// the connection's socket failed or timed out (a network partition): the database may be back later
					|| t instanceof java.net.SocketException || t instanceof java.net.SocketTimeoutException ) {
				return true;
			}
			if ( t instanceof SQLException sql && sql.getSQLState() != null ) {
				String state = sql.getSQLState();
				if ( state.startsWith( "08" ) || state.startsWith( "40" ) || state.startsWith( "53" )
						|| state.startsWith( "57" ) || state.startsWith( "HYT" ) ) {
					return true;
				}
			}
		}
		return false;
	}
}
