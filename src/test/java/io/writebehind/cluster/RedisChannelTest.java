package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.cluster.internal.RedisCoherenceChannel;
import io.writebehind.model.Counter;
import io.writebehind.testing.Await;
import io.writebehind.testing.FreezableProxy;
import io.writebehind.testing.RedisServerProcess;
import jakarta.persistence.EntityManagerFactory;

import io.writebehind.testing.NeedsServers;

/**
 * The scenarios of {@link ClusterCoherenceTestBase} on Redis pub/sub, Redis stopped and restarted, and a connection
 * that dies silently. They run on a redis-server of their own ({@link RedisServerProcess}, on a free port), which they
 * stop and restart; the machine's shared Redis is never touched.
 */
@NeedsServers
class RedisChannelTest extends ClusterCoherenceTestBase {

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
		// a test that stopped the server restarts it, also when it failed
		assertTrue( redis.isRunning(), "the test's redis-server is not running: " + redis.log() );
	}

	@Test
	void redisStoppedAndRestartedMissesNothingAndServesNothingStale() throws Exception {
		EntityManagerFactory nodeB = node( Map.of() );
		awaitListening( emf );
		inTransaction( em -> em.persist( new Counter( 1L, "hot", 0 ) ) );
		writeBehind().flush();
		assertEquals( 0, total( emf, 1L ) );
		try {
			redis.stop();
			Await.until( Duration.ofSeconds( 10 ), "node A noticed that Redis is gone", () -> !coherence( emf ).listening() );
			// node B writes while the channel is down: node A cannot hear of it, and must not serve its old entry
			inTransaction( nodeB, em -> em.find( Counter.class, 1L ).setTotal( 100 ) );
			WriteBehind.of( nodeB ).flush();
			assertEquals( 100, total( emf, 1L ), "node A serves no cached state while the channel is down" );
			assertNull( region( emf ).lookup( 1L ), "nothing read is cached while the channel is down" );
		}
		finally {
			redis.restart();
		}
		awaitListening( emf );
		awaitListening( nodeB );
		assertEquals( 1, coherence( emf ).gaps() );
		assertEquals( 100, total( emf, 1L ) );
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		writeBehind().flush();
		assertEquals( 101, total( nodeB, 1L ) );
		assertEquals( 101, count( "select total from wb_counter where id = 1" ) );
	}

	/**
	 * A connection that stops answering without being closed (a partition, a frozen server): node A talks to Redis
	 * through a proxy that is frozen. Lettuce would not notice (the sockets stay open, TCP keep-alive probes are
	 * answered); the heartbeat does, within its documented bound: node A stops listening and evicts its cache. After
	 * thawing it subscribes again, and node B's writes invalidate it again.
	 */
	@Test
	void aConnectionThatSilentlyStopsAnsweringIsNoticedByTheHeartbeat() throws Exception {
		try ( FreezableProxy proxy = new FreezableProxy( "127.0.0.1", redis.port() ) ) {
			EntityManagerFactory nodeA = node( Map.of( WriteBehindSettings.CLUSTER_REDIS_URI,
					"redis://127.0.0.1:" + proxy.port() ) );
			awaitListening( emf ); // node B: the test's own factory, straight to Redis
			inTransaction( nodeA, em -> em.persist( new Counter( 1L, "hot", 0 ) ) );
			WriteBehind.of( nodeA ).flush();
			assertNotNull( region( nodeA ).lookup( 1L ), "node A cached its write" );

			long bound = RedisCoherenceChannel.HEARTBEAT_INTERVAL_MS + RedisCoherenceChannel.HEARTBEAT_TIMEOUT_MS;
			proxy.freeze();
			long frozen = System.nanoTime();
			// the documented bound (3 s) plus slack for a loaded machine; without the heartbeat this never happens
			Await.until( Duration.ofMillis( bound + 7_000 ), "node A noticed the silent connection",
					() -> !coherence( nodeA ).listening() );
			long noticed = System.nanoTime() - frozen;
			System.out.printf( "[%s] silent Redis connection noticed after %d ms (documented bound %d ms)%n",
					getClass().getSimpleName(), TimeUnit.NANOSECONDS.toMillis( noticed ), bound );
			assertNull( region( nodeA ).lookup( 1L ), "node A evicted its cache when it noticed" );

			// node B writes while node A cannot hear of it: node A must not serve (nor cache) its old state
			inTransaction( em -> em.find( Counter.class, 1L ).setTotal( 100 ) );
			writeBehind().flush();
			assertEquals( 100, total( nodeA, 1L ), "node A serves no cached state while it does not listen" );
			assertNull( region( nodeA ).lookup( 1L ), "nothing read is cached while the channel does not listen" );

			proxy.thaw();
			awaitListening( nodeA );
			assertEquals( 1, coherence( nodeA ).gaps() );
			assertEquals( 100, total( nodeA, 1L ) );

			// listening again: node A caches its write, node B hears of it, and node B's next write evicts it on A
			long written = System.nanoTime();
			inTransaction( nodeA, em -> em.find( Counter.class, 1L ).increment() );
			WriteBehind.of( nodeA ).flush();
			assertNotNull( region( nodeA ).lookup( 1L ), "node A caches again once it listens" );
			awaitEvicted( emf, 1L, written );
			long start = System.nanoTime();
			inTransaction( em -> em.find( Counter.class, 1L ).increment() );
			awaitEvicted( nodeA, 1L, start );
			writeBehind().flush();
			assertEquals( 102, total( nodeA, 1L ) );
			assertEquals( 102, count( "select total from wb_counter where id = 1" ) );
			nodeA.close(); // before its proxy
		}
	}

	@Test
	void incrementsGoOnWhileRedisIsRestarted() {
		try {
			runIncrements( 2, 5_000, () -> {
				redis.stop();
				sleep( 1_000 ); // how long the server is down
				redis.restart();
			} );
		}
		finally {
			redis.restart();
		}
	}
}
