package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import jakarta.persistence.EntityManagerFactory;

/** The scenarios of {@link ClusterCoherenceTestBase} on Redis pub/sub, and Redis stopped and restarted. */
class RedisChannelTest extends ClusterCoherenceTestBase {

	@Override
	protected Map<String, Object> channelProperties() {
		return Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "redis", WriteBehindSettings.CLUSTER_REDIS_URI, ClusterServers.REDIS_URI );
	}

	@Override
	protected void requireServer() {
		ClusterServers.requireRedis();
	}

	@Test
	void redisStoppedAndRestartedMissesNothingAndServesNothingStale() throws Exception {
		EntityManagerFactory nodeB = node( Map.of() );
		awaitListening( emf );
		inTransaction( em -> em.persist( new Counter( 1L, "hot", 0 ) ) );
		writeBehind().flush();
		assertEquals( 0, total( emf, 1L ) );
		try {
			ClusterServers.stopRedis();
			long deadline = System.nanoTime() + 10_000_000_000L;
			while ( coherence( emf ).listening() ) {
				assertTrue( System.nanoTime() < deadline, "node A noticed that Redis is gone" );
				sleep( 1 );
			}
			// node B writes while the channel is down: node A cannot hear of it, and must not serve its old entry
			inTransaction( nodeB, em -> em.find( Counter.class, 1L ).setTotal( 100 ) );
			WriteBehind.of( nodeB ).flush();
			assertEquals( 100, total( emf, 1L ), "node A serves no cached state while the channel is down" );
			assertNull( region( emf ).lookup( 1L ), "nothing read is cached while the channel is down" );
		}
		finally {
			ClusterServers.startRedis();
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

	@Test
	void incrementsGoOnWhileRedisIsRestarted() {
		try {
			runIncrements( 2, 5_000, () -> {
				try {
					ClusterServers.stopRedis();
					sleep( 1_000 );
					ClusterServers.startRedis();
				}
				catch (Exception e) {
					throw new IllegalStateException( e );
				}
			} );
		}
		finally {
			try {
				ClusterServers.startRedis();
			}
			catch (Exception e) {
				throw new IllegalStateException( e );
			}
		}
	}
}
