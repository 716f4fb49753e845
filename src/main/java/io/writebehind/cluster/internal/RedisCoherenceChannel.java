package io.writebehind.cluster.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.writebehind.cluster.CoherenceChannel;
import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.config.Credentials;

/**
 * Redis pub/sub through Lettuce: one subscribed connection, one connection that publishes. Lettuce reconnects and
 * subscribes again by itself; the connection events tell the node when messages may have been missed (disconnected)
 * and when it listens again (the channel's subscription is confirmed). Loaded only when
 * {@code hibernate.writebehind.cluster.channel=redis}.
 * <p>
 * A connection that dies silently (the peer vanished without a reset: a network partition, a frozen server) is not
 * seen by Lettuce until TCP gives up, which may take very long. So a daemon thread sends {@code PING} on the
 * subscribed connection every {@link #HEARTBEAT_INTERVAL_MS} ms; one not answered within {@link #HEARTBEAT_TIMEOUT_MS}
 * ms counts as a lost connection: the node is told, the connection is closed and a new one subscribes (with backoff).
 * TCP keep-alive is enabled too, as a backstop.
 * <p>
 * Credentials of the URI ({@code redis://user:password@host}) are never printed: log lines show the URI masked. With
 * {@code rediss://} the server's certificate is verified (Lettuce's default, {@code verifyPeer=FULL}) against the
 * JVM's trust store, or the PEM file of {@code cluster.redis_trusted_certificates}.
 */
public final class RedisCoherenceChannel implements CoherenceChannel {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( RedisCoherenceChannel.class );

	/** Pause between two heartbeat {@code PING}s on the subscribed connection (after the previous one was answered). */
	public static final long HEARTBEAT_INTERVAL_MS = 1_000;
	/** A heartbeat {@code PING} not answered within this time means the connection is dead. */
	public static final long HEARTBEAT_TIMEOUT_MS = 2_000;

	private final String uri;
	/** {@link #uri} with its password masked: the only form that is printed. */
	private final String shownUri;
	private final Path trustedCertificates;
	private final String channel;
	private final String logPrefix;
	/** Set once by {@link #start} (before the channel's thread starts), then read by every thread. */
	private RedisClient client;
	/** Set once by {@link #start}, before the channel's thread starts. */
	private Listener listener;
	/** The channel's thread; set once by {@link #start}, shut down by the closing thread. */
	private ScheduledExecutorService executor;
	/** Written by the channel's thread (connecting, heartbeat), read by Lettuce's threads and the closing thread. */
	private volatile StatefulRedisPubSubConnection<String, String> subscription;
	/** Publisher thread only (then the closing thread, after the publisher thread ended). */
	private StatefulRedisConnection<String, String> publishing;
	/** Set by the closing thread, read by all. */
	private volatile boolean closed;
	/** Whether the node was told the subscription is down; guarded by {@code this}. */
	private boolean down = true;

	/** {@code trustedCertificates}: for {@code rediss://}, a PEM file of trusted certificates ({@code null}: the JVM's). */
	public RedisCoherenceChannel(String uri, String channel, String logPrefix, Path trustedCertificates) {
		this.uri = uri;
		this.shownUri = Credentials.mask( uri );
		this.trustedCertificates = trustedCertificates;
		this.channel = channel;
		this.logPrefix = logPrefix;
	}

	@Override
	public void start(Listener listener) {
		this.listener = listener;
		client = RedisClients.create( uri, trustedCertificates );
		client.addListener( new RedisConnectionStateListener() {
			@Override
			public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
				if ( connection == subscription ) {
					lost( connection, "Redis connection to " + shownUri + " lost" );
				}
			}
		} );
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor( 1, task -> {
			Thread thread = new Thread( task, "write-behind-coherence-redis-" + channel );
			thread.setDaemon( true );
			return thread;
		} );
		scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy( false );
		executor = scheduler;
		// one thread: the heartbeat never runs while a (re)connection is under way
		executor.execute( () -> connect( true ) );
		executor.scheduleWithFixedDelay( this::heartbeat, HEARTBEAT_INTERVAL_MS, HEARTBEAT_INTERVAL_MS,
				TimeUnit.MILLISECONDS );
	}

	/**
	 * Subscribes a new connection, retrying with backoff until it works or the channel closes. A failing first
	 * connection is logged here; after a lost one the node has said so already.
	 */
	private void connect(boolean first) {
		long backoff = 100;
		boolean reported = !first;
		while ( !closed && subscription == null ) {
			StatefulRedisPubSubConnection<String, String> connection = null;
			try {
				connection = client.connectPubSub();
				StatefulRedisPubSubConnection<String, String> self = connection;
				connection.addListener( new RedisPubSubAdapter<>() {
					@Override
					public void message(String from, String text) {
						// never throws: Lettuce would log each exception of a listener with its stack trace
						if ( !closed ) {
							try {
								listener.received( text );
							}
							catch (RuntimeException e) {
								LOG.messageNotHandled( logPrefix, e.getClass().getName() );
							}
						}
					}

					@Override
					public void subscribed(String subscribed, long count) {
						// also after every reconnection: Lettuce subscribes again, and messages flow from here on
						if ( channel.equals( subscribed ) ) {
							back( self );
						}
					}
				} );
				subscription = connection;
				connection.sync().subscribe( channel );
			}
			catch (RuntimeException e) {
				if ( closed ) {
					return;
				}
				if ( !reported ) {
					LOG.cannotSubscribeRedis( logPrefix, channel, shownUri, Credentials.mask( RedisClients.message( e ) ) );
					reported = true;
				}
				subscription = null;
				if ( connection != null ) {
					connection.closeAsync();
				}
				try {
					Thread.sleep( backoff );
				}
				catch (InterruptedException interrupted) {
					return;
				}
				backoff = Math.min( backoff * 2, 5_000 );
			}
		}
	}

	/** Runs on the channel's thread: a {@code PING} on the subscribed connection must be answered in time. */
	private void heartbeat() {
		StatefulRedisPubSubConnection<String, String> connection = subscription;
		if ( closed || connection == null || isDown() ) {
			return; // connecting, or Lettuce knows and reconnects
		}
		boolean answered;
		try {
			RedisFuture<String> ping = connection.async().ping();
			answered = ping.await( HEARTBEAT_TIMEOUT_MS, TimeUnit.MILLISECONDS );
			if ( answered ) {
				ping.get(); // an error reply or a failure also means the connection is alive, but a timeout does not
			}
			else {
				ping.cancel( true );
			}
		}
		catch (InterruptedException e) {
			return; // closing
		}
		catch (ExecutionException | RuntimeException e) {
			Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
			answered = !( cause instanceof RedisCommandTimeoutException );
		}
		if ( answered || closed || connection != subscription ) {
			return;
		}
		if ( lost( connection, "Redis connection to " + shownUri + " does not answer (no PING reply within "
				+ HEARTBEAT_TIMEOUT_MS + " ms)" ) ) {
			// Lettuce may not notice for a long time: drop the connection and subscribe on a new one
			subscription = null;
			connection.closeAsync();
			connect( false );
		}
	}

	/** The subscribed connection is lost: tells the node once; whether it was up. */
	private synchronized boolean lost(Object connection, String reason) {
		if ( closed || connection != subscription || down ) {
			return false;
		}
		down = true;
		listener.disconnected( reason );
		return true;
	}

	/** The subscribed connection listens (again): tells the node once. */
	private synchronized void back(Object connection) {
		if ( closed || connection != subscription || !down ) {
			return;
		}
		down = false;
		listener.reconnected();
	}

	private synchronized boolean isDown() {
		return down;
	}

	@Override
	public void publish(String message) {
		try {
			if ( publishing == null ) {
				publishing = client.connect();
			}
			publishing.sync().publish( channel, message );
		}
		catch (RuntimeException e) {
			// a connection that timed out may be dead without knowing it: the next message opens a new one
			if ( publishing != null ) {
				publishing.closeAsync();
				publishing = null;
			}
			// the node prints the failure: it names the server by its masked URI, never with its password
			throw new IllegalStateException( "Cannot publish to " + shownUri + ": " + Credentials.mask( RedisClients.message( e ) ) );
		}
	}

	@Override
	public int maxPayloadBytes() {
		return 7_900; // Redis takes far more; the same bound as PostgreSQL keeps messages small
	}

	@Override
	public String description() {
		return "Redis channel " + channel + " at " + shownUri;
	}

	@Override
	public void close() {
		closed = true;
		if ( executor != null ) {
			executor.shutdownNow();
			try {
				executor.awaitTermination( 5, TimeUnit.SECONDS );
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
		try {
			StatefulRedisPubSubConnection<String, String> connection = subscription;
			if ( connection != null ) {
				connection.close();
			}
			if ( publishing != null ) {
				publishing.close();
			}
		}
		catch (RuntimeException ignored) {
			// closing anyway
		}
		if ( client != null ) {
			client.shutdown( Duration.ZERO, Duration.ofSeconds( 2 ) );
		}
	}
}
