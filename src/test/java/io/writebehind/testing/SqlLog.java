package io.writebehind.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Every statement execution that reached a JDBC driver through a {@link CountingConnectionProvider}: the SQL and, for
 * a batch, how many rows it carried. One execution is one round trip.
 */
public final class SqlLog {

	public record Execution(String sql, int rows, boolean batch, String thread) {
		public boolean is(String keyword) {
			return sql.trim().toLowerCase( Locale.ROOT ).startsWith( keyword );
		}

		public boolean touches(String table) {
			return sql.toLowerCase( Locale.ROOT ).matches( "(?s).*\\b" + table.toLowerCase( Locale.ROOT ) + "\\b.*" );
		}
	}

	private final List<Execution> executions = new ArrayList<>();

	synchronized void add(String sql, int rows, boolean batch) {
		executions.add( new Execution( sql, rows, batch, Thread.currentThread().getName() ) );
	}

	public synchronized List<Execution> all() {
		return List.copyOf( executions );
	}

	public synchronized void clear() {
		executions.clear();
	}

	/** Round trips (executions, a batch counting once) matching the filter. */
	public synchronized long executions(Predicate<Execution> filter) {
		return executions.stream().filter( filter ).count();
	}

	/** Rows sent by executions matching the filter (a batch counts its rows). */
	public synchronized long rows(Predicate<Execution> filter) {
		return executions.stream().filter( filter ).mapToLong( Execution::rows ).sum();
	}

	/** Executions of statements that start with the keyword (select, insert, update, delete) and name the table. */
	public long executions(String keyword, String table) {
		return executions( e -> e.is( keyword ) && e.touches( table ) );
	}

	public long rows(String keyword, String table) {
		return rows( e -> e.is( keyword ) && e.touches( table ) );
	}

	/** Executions that mention the table at all, of any kind. */
	public long touching(String table) {
		return executions( e -> e.touches( table ) );
	}

	@Override
	public synchronized String toString() {
		StringBuilder sb = new StringBuilder();
		for ( Execution e : executions ) {
			sb.append( e.thread ).append( ": " ).append( e.sql ).append( e.batch ? " [batch of " + e.rows + "]" : "" ).append( '\n' );
		}
		return sb.toString();
	}
}
