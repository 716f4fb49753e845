package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import io.writebehind.WriteBehindSettings;
import io.writebehind.testing.RedisServerProcess;

import io.writebehind.testing.NeedsServers;

/** The scenarios of {@link LeaseTestBase} with Redis pub/sub, on a redis-server of their own. */
@NeedsServers
class LeaseRedisTest extends LeaseTestBase {

	private static RedisServerProcess redis;

	@BeforeAll
	static void startRedis() {
		redis = RedisServerProcess.start();
	}

	@AfterAll
	static void closeRedis() {
		if ( redis != null ) {
			redis.close();
		}
	}

	@Override
	protected Map<String, Object> channelProperties() {
		return Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "redis", WriteBehindSettings.CLUSTER_REDIS_URI, redis.uri() );
	}

	@Override
	protected void requireServer() {
		assertTrue( redis.isRunning(), "the test's redis-server is not running: " + redis.log() );
	}
}
