package io.writebehind.cluster.internal;

import java.nio.file.Path;
import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;

/**
 * The Lettuce client of the Redis channel, set up for a coherence channel: commands time out after 2 s, Lettuce
 * reconnects by itself and rejects commands while disconnected (a publish then fails at once), connecting times out
 * after 2 s, TCP keep-alive is on, and a {@code rediss://} server's certificate is verified against the JVM's trust
 * store or {@code cluster.redis_trusted_certificates}. Stateless.
 */
final class RedisClients {

	private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds( 2 );
	private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds( 2 );

	private RedisClients() {
	}

	/** {@code trustedCertificates}: for {@code rediss://}, a PEM file of trusted certificates ({@code null}: the JVM's). */
	static RedisClient create(String uri, Path trustedCertificates) {
		RedisURI redisUri = RedisURI.create( uri );
		redisUri.setTimeout( COMMAND_TIMEOUT );
		RedisClient client = RedisClient.create( redisUri );
		ClientOptions.Builder options = ClientOptions.builder().autoReconnect( true ).pingBeforeActivateConnection( true )
				.disconnectedBehavior( ClientOptions.DisconnectedBehavior.REJECT_COMMANDS )
				.socketOptions( socketOptions() );
		if ( trustedCertificates != null ) {
			options.sslOptions( SslOptions.builder().jdkSslProvider().trustManager( trustedCertificates.toFile() ).build() );
		}
		client.setOptions( options.build() );
		return client;
	}

	private static SocketOptions socketOptions() {
		SocketOptions.Builder builder = SocketOptions.builder().connectTimeout( CONNECT_TIMEOUT );
		try {
			// Lettuce 6.1 and later: probes after 15 s of silence, every 5 s, 3 of them
			builder.keepAlive( SocketOptions.KeepAliveOptions.builder().enable().idle( Duration.ofSeconds( 15 ) )
					.interval( Duration.ofSeconds( 5 ) ).count( 3 ).build() );
		}
		catch (LinkageError olderLettuce) {
			builder.keepAlive( true ); // the operating system's keep-alive timing
		}
		return builder.build();
	}

	/** An exception's message and those of its causes (Lettuce wraps the server's refusal, e.g. WRONGPASS). */
	static String message(Throwable e) {
		StringBuilder text = new StringBuilder( e.toString() );
		for ( Throwable cause = e.getCause(); cause != null && cause != e; cause = cause.getCause() ) {
			text.append( "; " ).append( cause );
			if ( cause.getCause() == cause ) {
				break;
			}
		}
		return text.toString();
	}
}
