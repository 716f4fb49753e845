package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.cluster.internal.PostgresCoherenceChannel;
import io.writebehind.model.Counter;
import io.writebehind.testing.Await;
import jakarta.persistence.EntityManagerFactory;

import io.writebehind.testing.NeedsServers;

/** The scenarios of {@link ClusterCoherenceTestBase} on PostgreSQL LISTEN/NOTIFY, and a killed listener connection. */
@NeedsServers
class PostgresChannelTest extends ClusterCoherenceTestBase {

	@Override
	protected Map<String, Object> channelProperties() {
		return Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "postgresql",
				WriteBehindSettings.CLUSTER_POSTGRESQL_URL, ClusterServers.postgresqlUrl() );
	}

	@Override
	protected void requireServer() {
		ClusterServers.requirePostgresql();
	}

	private static void killListener(EntityManagerFactory node) {
		int pid = ( (PostgresCoherenceChannel) coherence( node ).channel() ).listenerBackendPid();
		assertTrue( pid > 0, "the node listens" );
		ClusterServers.postgresql( "select pg_terminate_backend(" + pid + ")" );
	}

	@Test
	void aKilledListenerConnectionIsReopenedAndWhatWasMissedIsNotServed() {
		EntityManagerFactory nodeB = node( Map.of() );
		awaitListening( emf );
		inTransaction( em -> em.persist( new Counter( 1L, "hot", 0 ) ) );
		writeBehind().flush();
		assertEquals( 0, total( emf, 1L ) );
		assertNotNull( region( emf ).lookup( 1L ), "node A cached the row" );
		killListener( emf );
		Await.until( Duration.ofSeconds( 10 ), "node A noticed the lost listener",
				() -> !coherence( emf ).listening() || coherence( emf ).gaps() != 0 );
		// node B writes while node A may not listen: the message may be lost
		inTransaction( nodeB, em -> em.find( Counter.class, 1L ).setTotal( 100 ) );
		WriteBehind.of( nodeB ).flush();
		awaitListening( emf );
		assertEquals( 1, coherence( emf ).gaps() );
		assertEquals( 100, total( emf, 1L ), "node A does not serve the state it cached before the gap" );
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		writeBehind().flush();
		assertEquals( 101, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 0, writeBehind().stats().conflicts() );
	}

	@Test
	void incrementsGoOnWhileListenerConnectionsAreKilled() {
		runIncrements( 2, 4_000, () -> {
			for ( int i = 0; i < 3; i++ ) {
				ClusterServers.postgresql( "select pg_terminate_backend(pid) from pg_stat_activity "
						+ "where application_name = 'write-behind coherence' and query like 'LISTEN \"" + channelName + "\"%'" );
				sleep( 500 );
			}
		} );
	}
}
