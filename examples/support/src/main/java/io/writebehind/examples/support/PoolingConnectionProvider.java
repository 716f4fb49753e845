package io.writebehind.examples.support;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.LongAdder;

import org.hibernate.engine.jdbc.connections.spi.ConnectionProvider;

/**
 * A tiny connection pool for Hibernate that hands out connections with autocommit already off (the set-up write-behind
 * recommends, together with {@code hibernate.connection.provider_disables_autocommit=true}: a transaction that only
 * touches write-behind entities then needs no connection at all), and counts what crosses it:
 * <ul>
 * <li>statements: SQL statements sent to the database (a JDBC batch of 500 rows counts 500),</li>
 * <li>round trips: executions (a batch counts once) plus commits and rollbacks.</li>
 * </ul>
 * The pool's own housekeeping (opening connections, resetting a returned connection) is not counted. Not a production
 * pool: no size limit, no validation, no timeouts.
 */
public final class PoolingConnectionProvider implements ConnectionProvider {

	/** What crossed the pool so far; subtract two snapshots to get the figures of a phase. */
	public record Counts(long statements, long roundTrips, long commits, long connections) {
		public Counts minus(Counts before) {
			return new Counts( statements - before.statements, roundTrips - before.roundTrips,
					commits - before.commits, connections - before.connections );
		}

		public Counts plus(Counts other) {
			return new Counts( statements + other.statements, roundTrips + other.roundTrips,
					commits + other.commits, connections + other.connections );
		}
	}

	private final String url;
	private final String user;
	private final String password;
	private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
	private final LongAdder statements = new LongAdder();
	private final LongAdder roundTrips = new LongAdder();
	private final LongAdder commits = new LongAdder();
	private final LongAdder connections = new LongAdder();
	private final ThreadLocal<long[]> statementsOfThread = ThreadLocal.withInitial( () -> new long[1] );

	/** A pool for {@code url}; {@code user} {@code null} means "the driver's default user" (and no password). */
	public PoolingConnectionProvider(String url, String user, String password) {
		this.url = url;
		this.user = user;
		this.password = password == null ? "" : password;
	}

	/** The pool's JDBC URL, with its options (write-behind reads it at boot to check an embedded H2 URL). */
	public String getUrl() {
		return url;
	}

	/** Statements sent so far by the calling thread (not by the flusher, nor by other threads). */
	public long statementsOfCurrentThread() {
		return statementsOfThread.get()[0];
	}

	public Counts counts() {
		return new Counts( statements.sum(), roundTrips.sum(), commits.sum(), connections.sum() );
	}

	/** A connection of the pool's database that is not pooled nor counted (autocommit on), for checks. */
	public Connection openUncounted() throws SQLException {
		return open();
	}

	private Connection open() throws SQLException {
		return user == null ? DriverManager.getConnection( url ) : DriverManager.getConnection( url, user, password );
	}

	@Override
	public Connection getConnection() throws SQLException {
		Connection physical = idle.pollFirst();
		if ( physical == null ) {
			physical = open();
			physical.setAutoCommit( false );
		}
		connections.increment();
		return wrap( physical );
	}

	@Override
	public void closeConnection(Connection connection) throws SQLException {
		Connection physical = connection.unwrap( Connection.class );
		if ( physical.isClosed() ) {
			return;
		}
		// Hibernate ends its transactions before it releases a connection; this only matters after an error
		physical.rollback();
		if ( physical.getAutoCommit() ) {
			physical.setAutoCommit( false );
		}
		idle.addFirst( physical );
	}

	/** Closes the idle connections. */
	public void close() {
		Connection c;
		while ( ( c = idle.pollFirst() ) != null ) {
			try {
				c.close();
			}
			catch (SQLException ignored) {
				// closing anyway
			}
		}
	}

	@Override
	public boolean supportsAggressiveRelease() {
		return false;
	}

	@Override
	public boolean isUnwrappableAs(Class<?> unwrapType) {
		return unwrapType.isInstance( this );
	}

	@Override
	public <T> T unwrap(Class<T> unwrapType) {
		return unwrapType.cast( this );
	}

	private Connection wrap(Connection physical) {
		return (Connection) Proxy.newProxyInstance( getClass().getClassLoader(), new Class<?>[] { Connection.class },
				new Forwarder( physical ) {
					@Override
					Object intercept(Method method, Object[] args) throws Throwable {
						switch ( method.getName() ) {
							case "unwrap" -> {
								if ( args[0] == Connection.class ) {
									return physical;
								}
							}
							case "close" -> {
								closeConnection( physical );
								return null;
							}
							case "commit" -> {
								commits.increment();
								roundTrips.increment();
							}
							case "rollback" -> roundTrips.increment();
							default -> {
							}
						}
						Object result = forward( physical, method, args );
						if ( result instanceof PreparedStatement ps && method.getName().equals( "prepareStatement" ) ) {
							return counting( ps, PreparedStatement.class );
						}
						if ( result instanceof Statement st && method.getName().equals( "createStatement" ) ) {
							return counting( st, Statement.class );
						}
						return result;
					}
				} );
	}

	private Object counting(Statement statement, Class<?> type) {
		long[] batched = new long[1];
		return Proxy.newProxyInstance( getClass().getClassLoader(), new Class<?>[] { type }, new Forwarder( statement ) {
			@Override
			Object intercept(Method method, Object[] args) throws Throwable {
				switch ( method.getName() ) {
					case "addBatch" -> batched[0]++;
					case "clearBatch" -> batched[0] = 0;
					case "executeBatch", "executeLargeBatch" -> {
						statements.add( batched[0] );
						statementsOfThread.get()[0] += batched[0];
						roundTrips.increment();
						batched[0] = 0;
					}
					case "execute", "executeQuery", "executeUpdate", "executeLargeUpdate" -> {
						statements.increment();
						statementsOfThread.get()[0]++;
						roundTrips.increment();
					}
					default -> {
					}
				}
				return forward( statement, method, args );
			}
		} );
	}

	private abstract static class Forwarder implements InvocationHandler {
		private final Object target;

		Forwarder(Object target) {
			this.target = target;
		}

		abstract Object intercept(Method method, Object[] args) throws Throwable;

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			if ( method.getName().equals( "isWrapperFor" ) ) {
				return ( (Class<?>) args[0] ).isInstance( target ) || (boolean) forward( target, method, args );
			}
			return intercept( method, args );
		}

		static Object forward(Object target, Method method, Object[] args) throws Throwable {
			try {
				return method.invoke( target, args );
			}
			catch (InvocationTargetException e) {
				throw e.getCause();
			}
		}
	}
}
