package io.writebehind.internal.common;

import java.sql.SQLException;

import org.hibernate.exception.ConstraintViolationException;

/**
 * What an exception says without its messages, for log lines at INFO and above: a database's message may quote the
 * row's values ({@code Key (email)=(alice@example.com) already exists}, {@code Failing row contains (...)}), which are
 * personal data. The class of each exception in the chain, with the SQLState, vendor code and constraint name when
 * there are any; the whole exception is logged at DEBUG only.
 */
public final class Causes {

	private Causes() {
	}

	public static String describe(Throwable cause) {
		if ( cause == null ) {
			return "none";
		}
		StringBuilder text = new StringBuilder();
		int depth = 0;
		for ( Throwable t = cause; t != null && depth < 8; t = t.getCause() == t ? null : t.getCause(), depth++ ) {
			if ( depth > 0 ) {
				text.append( " <- " );
			}
			text.append( t.getClass().getName() );
			if ( t instanceof ConstraintViolationException c && c.getConstraintName() != null ) {
				text.append( " (constraint " ).append( c.getConstraintName() ).append( ')' );
			}
			if ( t instanceof SQLException s && ( s.getSQLState() != null || s.getErrorCode() != 0 ) ) {
				text.append( " (SQLState " ).append( s.getSQLState() ).append( ", vendor code " ).append( s.getErrorCode() )
						.append( ')' );
			}
		}
		return text.toString();
	}

	/** The last cause of the chain (the exception itself when it has none); stops at a cycle. */
	public static Throwable rootCause(Throwable error) {
		Throwable root = error;
		for ( int depth = 0; root.getCause() != null && depth < 64; depth++ ) {
			root = root.getCause();
		}
		return root;
	}

	/** The root cause's message, or its {@code toString()} when it has none (not for INFO lines: it may quote values). */
	public static String rootMessage(Throwable error) {
		Throwable root = rootCause( error );
		return root.getMessage() == null ? root.toString() : root.getMessage();
	}

	/**
	 * The class of the SQLState (its first two characters, e.g. {@code 23}: an integrity constraint was violated) of
	 * the exception or, when it has none, of the first of its next exceptions that has one; {@code null} when none has.
	 */
	public static String sqlStateClass(SQLException e) {
		int depth = 0;
		for ( SQLException next = e; next != null && depth < 64; next = next.getNextException(), depth++ ) {
			String state = next.getSQLState();
			if ( state != null ) {
				return state.length() < 2 ? state : state.substring( 0, 2 );
			}
		}
		return null;
	}
}
