package io.writebehind.testing;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

/** The test-owned Redis server: two at once on their own ports, killed and restarted on the same port. */
@NeedsServers
class RedisServerProcessTest {

	@Test
	void startStopRestartOnItsOwnPort() {
		try ( RedisServerProcess first = RedisServerProcess.start(); RedisServerProcess second = RedisServerProcess.start() ) {
			assertNotEquals( first.port(), second.port() );
			assertNotEquals( 6379, first.port(), "never the machine's shared server" );
			assertEquals( "PONG", ping( first.uri() ) );
			assertEquals( "PONG", ping( second.uri() ) );

			first.stop();
			assertFalse( first.isRunning() );
			assertEquals( "PONG", ping( second.uri() ), "stopping one server leaves the other alone" );

			first.restart();
			assertTrue( first.isRunning() );
			assertEquals( "PONG", ping( first.uri() ) );
			assertEquals( "redis://127.0.0.1:" + first.port(), first.uri() );
		}
	}

	private static String ping(String uri) {
		RedisURI redisUri = RedisURI.create( uri );
		redisUri.setTimeout( Duration.ofSeconds( 30 ) );
		RedisClient client = RedisClient.create( redisUri );
		try ( StatefulRedisConnection<String, String> connection = client.connect() ) {
			return connection.sync().ping();
		}
		finally {
			client.shutdown( Duration.ZERO, Duration.ofSeconds( 1 ) );
		}
	}
}
