package io.writebehind.cluster.internal;

import java.time.Duration;

import org.jboss.logging.Logger;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.writebehind.cluster.CoherenceChannel;
import io.writebehind.cluster.CoherenceMessage;

/**
 * Redis pub/sub through Lettuce: one subscribed connection, one connection that publishes. Lettuce reconnects and
 * subscribes again by itself; the connection events tell the node when messages may have been missed (disconnected)
 * and when it listens again (the channel's subscription is confirmed). Loaded only when
 * {@code hibernate.writebehind.cluster.channel=redis}.
 */
public final class RedisCoherenceChannel implements CoherenceChannel {

	private static final Logger LOG = Logger.getLogger( RedisCoherenceChannel.class );

	private final String uri;
	private final String channel;
	private final String logPrefix;
	private RedisClient client;
	private StatefulRedisPubSubConnection<String, String> subscription;
	private StatefulRedisConnection<String, String> publishing;
	private volatile boolean closed;
	private volatile boolean down = true;

	public RedisCoherenceChannel(String uri, String channel, String logPrefix) {
		this.uri = uri;
		this.channel = channel;
		this.logPrefix = logPrefix;
	}

	@Override
	public void start(Listener listener) {
		RedisURI redisUri = RedisURI.create( uri );
		redisUri.setTimeout( Duration.ofSeconds( 2 ) );
		client = RedisClient.create( redisUri );
		client.setOptions( ClientOptions.builder().autoReconnect( true ).pingBeforeActivateConnection( true )
				.disconnectedBehavior( ClientOptions.DisconnectedBehavior.REJECT_COMMANDS ).build() );
		client.addListener( new RedisConnectionStateListener() {
			@Override
			public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
				if ( !closed && connection == subscription && !down ) {
					down = true;
					listener.disconnected( "Redis connection to " + uri + " lost" );
				}
			}
		} );
		Thread connector = new Thread( () -> connect( listener ), "write-behind-coherence-redis-connect" );
		connector.setDaemon( true );
		connector.start();
	}

	private void connect(Listener listener) {
		long backoff = 100;
		boolean reported = false;
		while ( !closed && subscription == null ) {
			try {
				StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub();
				connection.addListener( new RedisPubSubAdapter<>() {
					@Override
					public void message(String from, String text) {
						CoherenceMessage message = CoherenceMessage.decode( text );
						if ( message != null && !closed ) {
							listener.received( message );
						}
					}

					@Override
					public void subscribed(String subscribed, long count) {
						// also after every reconnection: Lettuce subscribes again, and messages flow from here on
						if ( !closed && channel.equals( subscribed ) && down ) {
							down = false;
							listener.reconnected();
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
					LOG.errorf( "%sCannot subscribe to Redis channel %s at %s: %s (retrying; until it works, this node "
							+ "does not cache what it reads)", logPrefix, channel, uri, e.getMessage() );
					reported = true;
				}
				if ( subscription != null ) {
					subscription.closeAsync();
					subscription = null;
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

	@Override
	public void publish(CoherenceMessage message) {
		if ( publishing == null ) {
			publishing = client.connect();
		}
		publishing.sync().publish( channel, message.encode() );
	}

	@Override
	public int maxPayloadBytes() {
		return 7_900; // Redis takes far more; the same bound as PostgreSQL keeps messages small
	}

	@Override
	public void close() {
		closed = true;
		try {
			if ( subscription != null ) {
				subscription.close();
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
