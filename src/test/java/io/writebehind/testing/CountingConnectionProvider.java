package io.writebehind.testing;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

import org.hibernate.engine.jdbc.connections.spi.ConnectionProvider;

/**
 * A small pooling {@link ConnectionProvider} for tests that counts what crosses it: connections handed out, and every
 * statement execution (in {@link #sql()}). It can hand out connections with autocommit already off (for
 * {@code hibernate.connection.provider_disables_autocommit=true}), and it can play a database that is down.
 */
public final class CountingConnectionProvider implements ConnectionProvider {

	private final TestDatabase.Schema schema;
	private final boolean autocommitOff;
	private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
	private final AtomicInteger acquired = new AtomicInteger();
	private final Map<Thread, AtomicInteger> acquiredByThread = new ConcurrentHashMap<>();
	private final SqlLog sql = new SqlLog();
	private volatile boolean down;
	/** Statements whose SQL contains this fail at execution with {@link #refusedState}; null: none. */
	private volatile String refusedSql;
	private volatile String refusedState;
	private final AtomicInteger commitsToLose = new AtomicInteger();

	public CountingConnectionProvider(TestDatabase.Schema schema, boolean autocommitOff) {
		this.schema = schema;
		this.autocommitOff = autocommitOff;
	}

	private volatile Integer isolation;

	/** Hands out connections at this JDBC isolation level (the database's default when never called). */
	public CountingConnectionProvider isolation(int level) {
		this.isolation = level;
		return this;
	}

	/** The JDBC URL with its options, as a pool's URL property: write-behind's boot checks read it. */
	public String getUrl() {
		return schema.url();
	}

	/** Connections handed out so far. */
	public int acquired() {
		return acquired.get();
	}

	/** Connections handed out to one thread so far. */
	public int acquiredBy(Thread thread) {
		AtomicInteger n = acquiredByThread.get( thread );
		return n == null ? 0 : n.get();
	}

	public SqlLog sql() {
		return sql;
	}

	/**
	 * From now on, executing a statement whose SQL contains {@code sqlPart} fails with an {@link SQLException} of
	 * {@code sqlState}, as when the database refuses the statement; null: no statement is refused.
	 */
	public void refuse(String sqlPart, String sqlState) {
		this.refusedState = sqlState;
		this.refusedSql = sqlPart;
	}

	/** While down, acquiring a connection and executing a statement fail with a connection error (SQLState 08001). */
	public void down(boolean down) {
		this.down = down;
	}

	/**
	 * The next {@code n} commits issued by threads whose name starts with {@code threadPrefix} reach the database and
	 * then fail with a connection error (SQLState 08006), as when the connection drops while the commit's answer is
	 * on its way: the caller cannot know the outcome.
	 */
	public void loseCommitAnswers(int n, String threadPrefix) {
		this.threadPrefix = threadPrefix;
		commitsToLose.set( n );
	}

	private volatile String threadPrefix = "";

	@Override
	public Connection getConnection() throws SQLException {
		checkUp();
		Connection physical = idle.pollFirst();
		if ( physical == null ) {
			physical = schema.connect();
		}
		physical.setAutoCommit( !autocommitOff );
		if ( isolation != null && physical.getTransactionIsolation() != isolation ) {
			physical.setTransactionIsolation( isolation );
		}
		acquired.incrementAndGet();
		acquiredByThread.computeIfAbsent( Thread.currentThread(), t -> new AtomicInteger() ).incrementAndGet();
		return wrap( physical );
	}

	@Override
	public void closeConnection(Connection connection) throws SQLException {
		Connection physical = connection.unwrap( Connection.class );
		if ( physical.isClosed() ) {
			return;
		}
		if ( !physical.getAutoCommit() ) {
			physical.rollback();
		}
		idle.addFirst( physical );
	}

	public void closeAll() {
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

	private void checkUp() throws SQLException {
		if ( down ) {
			throw new SQLTransientConnectionException( "Connection refused (test: database is down)", "08001" );
		}
	}

	private Connection wrap(Connection physical) {
		return (Connection) Proxy.newProxyInstance( getClass().getClassLoader(), new Class<?>[] { Connection.class },
				new Handler( physical ) {
					@Override
					Object intercept(Method method, Object[] args) throws Throwable {
						if ( method.getName().equals( "unwrap" ) && args[0] == Connection.class ) {
							return physical;
						}
						if ( method.getName().equals( "close" ) ) {
							closeConnection( physical );
							return null;
						}
						if ( method.getName().equals( "commit" ) ) {
							checkUp();
							if ( Thread.currentThread().getName().startsWith( threadPrefix )
									&& commitsToLose.getAndUpdate( n -> n > 0 ? n - 1 : 0 ) > 0 ) {
								physical.commit();
								throw new java.sql.SQLRecoverableException( "Connection reset while committing (test)", "08006" );
							}
						}
						Object result = call( physical, method, args );
						if ( result instanceof PreparedStatement ps && method.getName().equals( "prepareStatement" ) ) {
							return wrapStatement( ps, PreparedStatement.class, (String) args[0] );
						}
						if ( result instanceof Statement st && method.getName().equals( "createStatement" ) ) {
							return wrapStatement( st, Statement.class, null );
						}
						return result;
					}
				} );
	}

	private Object wrapStatement(Statement statement, Class<?> type, String preparedSql) {
		int[] batched = new int[1];
		String[] lastBatchSql = new String[1];
		return Proxy.newProxyInstance( getClass().getClassLoader(), new Class<?>[] { type }, new Handler( statement ) {
			@Override
			Object intercept(Method method, Object[] args) throws Throwable {
				String name = method.getName();
				if ( name.startsWith( "execute" ) ) {
					checkUp();
					String refused = refusedSql;
					String text = preparedSql != null ? preparedSql : args != null && args.length > 0 && args[0] instanceof String s ? s : lastBatchSql[0];
					if ( refused != null && text != null && text.contains( refused ) ) {
						throw new SQLException( "refused by the test: " + refused, refusedState );
					}
				}
				switch ( name ) {
					case "addBatch" -> {
						batched[0]++;
						if ( args != null && args.length == 1 ) {
							lastBatchSql[0] = (String) args[0];
						}
					}
					case "executeBatch", "executeLargeBatch" -> {
						sql.add( preparedSql != null ? preparedSql : lastBatchSql[0], batched[0], true );
						batched[0] = 0;
					}
					case "execute", "executeQuery", "executeUpdate", "executeLargeUpdate" -> {
						String text = args != null && args.length > 0 && args[0] instanceof String s ? s : preparedSql;
						sql.add( text, rowsOf( text ), false );
					}
					default -> {
					}
				}
				return call( statement, method, args );
			}
		} );
	}

	/**
	 * The rows one execution of {@code sql} writes: those of a multi-row {@code insert ... values (...),(...)} or of
	 * an update or delete joined with {@code (values (...),(...))}, else 1.
	 */
	private static int rowsOf(String sql) {
		int values = sql == null ? -1 : sql.indexOf( " values (" );
		if ( values < 0 || !sql.regionMatches( true, 0, "insert", 0, 6 ) && !sql.contains( " (values (" ) ) {
			return 1;
		}
		int rows = 1;
		for ( int at = sql.indexOf( "),(", values ); at >= 0; at = sql.indexOf( "),(", at + 3 ) ) {
			rows++;
		}
		return rows;
	}

	private abstract static class Handler implements InvocationHandler {
		private final Object target;

		Handler(Object target) {
			this.target = target;
		}

		abstract Object intercept(Method method, Object[] args) throws Throwable;

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			if ( method.getName().equals( "isWrapperFor" ) ) {
				return ( (Class<?>) args[0] ).isInstance( target ) || (boolean) call( target, method, args );
			}
			return intercept( method, args );
		}

		static Object call(Object target, Method method, Object[] args) throws Throwable {
			try {
				return method.invoke( target, args );
			}
			catch (InvocationTargetException e) {
				throw e.getCause();
			}
		}
	}
}
