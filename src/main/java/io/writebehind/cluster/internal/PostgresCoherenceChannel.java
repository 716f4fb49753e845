package io.writebehind.cluster.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.writebehind.cluster.CoherenceChannel;
import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.config.Credentials;

/**
 * PostgreSQL {@code LISTEN/NOTIFY}: a dedicated connection of the PostgreSQL driver listens, on a daemon thread that
 * polls {@link PGConnection#getNotifications(int)}; a second connection sends {@code pg_notify}. A broken listener
 * connection (terminated backend, server restart) is noticed by the poll (or by a {@code select 1} after a quiet
 * while) and reopened with backoff; the node then invalidates what it cannot vouch for. Loaded only when
 * {@code hibernate.writebehind.cluster.channel=postgresql}.
 */
public final class PostgresCoherenceChannel implements CoherenceChannel {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( PostgresCoherenceChannel.class );
	private static final int POLL_MS = 250;
	private static final long HEALTH_CHECK_NANOS = 2_000_000_000L;

	private final String url;
	private final Properties properties;
	private final String channel;
	private final String logPrefix;
	/** Set by the closing thread, read by the listener thread. */
	private volatile boolean closed;
	/** Set once by {@link #start}, read by the closing thread. */
	private Thread thread;
	/** The listener thread's connection while it listens; read by the closing thread (to close it) and by tests. */
	private volatile Connection listening;
	/** Publisher thread only (then the closing thread, after the publisher thread ended). */
	private Connection publishing;
	/** Publisher thread only, with {@link #publishing}. */
	private PreparedStatement notify;

	public PostgresCoherenceChannel(String url, String user, String password, String channel, String logPrefix) {
		this.url = url;
		this.properties = new Properties();
		if ( user != null ) {
			properties.setProperty( "user", user );
		}
		if ( password != null ) {
			properties.setProperty( "password", password );
		}
		properties.setProperty( "ApplicationName", "write-behind coherence" );
		properties.setProperty( "connectTimeout", "5" );
		properties.setProperty( "socketTimeout", "10" );
		properties.setProperty( "tcpKeepAlive", "true" );
		this.channel = channel;
		this.logPrefix = logPrefix;
	}

	private Connection connect() throws SQLException {
		Connection connection = new Driver().connect( url, properties );
		if ( connection == null ) {
			throw new SQLException( "Not a PostgreSQL JDBC URL: " + Credentials.mask( url ) );
		}
		connection.setAutoCommit( true );
		return connection;
	}

	@Override
	public void start(Listener listener) {
		thread = new Thread( () -> listen( listener ), "write-behind-coherence-pg-" + channel );
		thread.setDaemon( true );
		thread.start();
	}

	private void listen(Listener listener) {
		long backoff = 100;
		boolean everConnected = false;
		boolean reportedFailure = false;
		while ( !closed ) {
			Connection connection = null;
			try {
				connection = connect();
				try ( Statement statement = connection.createStatement() ) {
					statement.execute( "LISTEN " + quoted( channel ) );
				}
				listening = connection;
				if ( closed ) {
					break;
				}
				backoff = 100;
				reportedFailure = false;
				everConnected = true;
				listener.reconnected();
				PGConnection pg = connection.unwrap( PGConnection.class );
				long lastTraffic = System.nanoTime();
				while ( !closed ) {
					PGNotification[] notifications = pg.getNotifications( POLL_MS );
					if ( notifications != null && notifications.length > 0 ) {
						lastTraffic = System.nanoTime();
						for ( PGNotification notification : notifications ) {
							// never throws (a garbled payload must not look like a lost connection)
							try {
								listener.received( notification.getParameter() );
							}
							catch (RuntimeException e) {
								LOG.messageNotHandled( logPrefix, e.getClass().getName() );
							}
						}
					}
					else if ( System.nanoTime() - lastTraffic > HEALTH_CHECK_NANOS ) {
						// a quiet connection may be a dead one
						try ( Statement statement = connection.createStatement() ) {
							statement.execute( "select 1" );
						}
						lastTraffic = System.nanoTime();
					}
				}
			}
			catch (SQLException | RuntimeException e) {
				if ( closed ) {
					break;
				}
				if ( everConnected && listening != null ) {
					listener.disconnected( "PostgreSQL listener connection lost: " + Credentials.mask( e.getMessage(),
							properties.getProperty( "password" ) ) );
				}
				else if ( !reportedFailure ) {
					LOG.cannotListenPostgresql( logPrefix, channel, Credentials.mask( url ),
							Credentials.mask( e.getMessage(), properties.getProperty( "password" ) ) );
					reportedFailure = true;
				}
				listening = null;
			}
			finally {
				closeQuietly( connection );
			}
			sleep( backoff );
			backoff = Math.min( backoff * 2, 5_000 );
		}
	}

	@Override
	public void publish(String message) throws SQLException {
		try {
			if ( publishing == null ) {
				publishing = connect();
				notify = publishing.prepareStatement( "select pg_notify(?, ?)" );
			}
			notify.setString( 1, channel );
			notify.setString( 2, message );
			notify.execute();
		}
		catch (SQLException | RuntimeException e) {
			closeQuietly( publishing );
			publishing = null;
			notify = null;
			throw e;
		}
	}

	@Override
	public int maxPayloadBytes() {
		return 7_900; // PostgreSQL refuses payloads of 8000 bytes and more
	}

	@Override
	public String description() {
		return "PostgreSQL channel " + channel + " at " + Credentials.mask( url );
	}

	@Override
	public void close() {
		closed = true;
		closeQuietly( listening );
		if ( thread != null ) {
			thread.interrupt();
			try {
				thread.join( 5_000 );
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
		closeQuietly( publishing );
	}

	/** The process id of the listening backend ({@code pg_backend_pid()}), for tests; -1 when not listening. */
	public int listenerBackendPid() {
		Connection connection = listening;
		try {
			return connection == null ? -1 : connection.unwrap( PGConnection.class ).getBackendPID();
		}
		catch (SQLException e) {
			return -1;
		}
	}

	static String quoted(String identifier) {
		return '"' + identifier.replace( "\"", "\"\"" ) + '"';
	}

	private static void closeQuietly(Connection connection) {
		if ( connection != null ) {
			try {
				connection.close();
			}
			catch (SQLException | RuntimeException ignored) {
				// closing anyway
			}
		}
	}

	private void sleep(long millis) {
		try {
			Thread.sleep( millis );
		}
		catch (InterruptedException e) {
			if ( !closed ) {
				Thread.currentThread().interrupt();
			}
		}
	}
}
