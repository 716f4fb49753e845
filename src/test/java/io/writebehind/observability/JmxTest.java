package io.writebehind.observability;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

import io.writebehind.testing.NeedsServers;

/** Issue 8: one MBean per persistence unit, its attributes and operations, no collisions, unregistered on close. */
class JmxTest extends WriteBehindTestBase {

	private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	private Set<ObjectName> names() throws Exception {
		return server.queryNames( new ObjectName( "io.writebehind:type=WriteBehind,*" ), null );
	}

	private ObjectName only() throws Exception {
		Set<ObjectName> names = names();
		assertEquals( 1, names.size(), names.toString() );
		return names.iterator().next();
	}

	@Test
	void attributesAndOperations() throws Exception {
		ObjectName name = only();
		assertEquals( ObjectName.quote( "wb-test" ), name.getKeyProperty( "unit" ) );
		assertEquals( "WriteBehind", name.getKeyProperty( "type" ) );
		assertEquals( "wb-test", server.getAttribute( name, "PersistenceUnit" ) );

		for ( long id = 1; id <= 3; id++ ) {
			long value = id;
			inTransaction( em -> em.persist( new Counter( value, "c", value ) ) );
		}
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		assertEquals( 3L, server.getAttribute( name, "Pending" ) );
		assertEquals( 1L, server.getAttribute( name, "Coalesced" ) );
		assertEquals( Map.of( Counter.class.getName(), 3L ), server.getAttribute( name, "PendingByEntity" ) );

		server.invoke( name, "pause", null, null );
		assertEquals( true, server.getAttribute( name, "Paused" ) );
		assertTrue( writeBehind().isPaused() );
		assertEquals( false, server.invoke( name, "flush", new Object[] { 10_000L }, new String[] { "long" } ) );
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		server.invoke( name, "resume", null, null );
		assertEquals( false, server.getAttribute( name, "Paused" ) );
		assertEquals( true, server.invoke( name, "flush", new Object[] { 10_000L }, new String[] { "long" } ) );
		assertEquals( 3, count( "select count(*) from wb_counter" ) );
		assertEquals( 3L, server.getAttribute( name, "Flushed" ) );
		assertEquals( 1L, server.getAttribute( name, "Batches" ) );
		assertEquals( 0L, server.getAttribute( name, "Pending" ) );
		assertEquals( 0L, server.getAttribute( name, "LagMillis" ) );

		// a failed write, retried and discarded through JMX
		inTransaction( em -> em.find( Counter.class, 2L ).setName( "x".repeat( 300 ) ) );
		writeBehind().flush();
		assertEquals( 1L, server.getAttribute( name, "Failed" ) );
		assertEquals( 1, server.getAttribute( name, "FailedWriteCount" ) );
		assertEquals( 1, server.invoke( name, "retryFailed", null, null ) );
		writeBehind().flush();
		assertEquals( 1, server.getAttribute( name, "FailedWriteCount" ) );
		assertEquals( 1, server.invoke( name, "discardFailed", null, null ) );
		assertEquals( 0, server.getAttribute( name, "FailedWriteCount" ) );
		assertTrue( (Long) server.getAttribute( name, "CacheSize" ) >= 0 );
		assertTrue( (Long) server.getAttribute( name, "QueueRemainingCapacity" ) > 0 );

		// no channel: the cluster attributes are neutral
		assertEquals( "none", server.getAttribute( name, "ClusterChannel" ) );
		assertEquals( false, server.getAttribute( name, "ClusterListening" ) );
		for ( String attribute : CLUSTER_COUNTERS ) {
			assertEquals( 0L, server.getAttribute( name, attribute ), attribute );
		}

		emf.close();
		assertFalse( server.isRegistered( name ) );
	}

	@Test
	void twoFactoriesWithTheSameUnitNameBothRegisterAndUnregisterOnClose() throws Exception {
		ObjectName first = only();
		EntityManagerFactory second = buildFactory( connections, Map.of() );
		Set<ObjectName> both;
		try {
			both = names();
			assertEquals( 2, both.size(), both.toString() );
			for ( ObjectName name : both ) {
				assertEquals( "wb-test", server.getAttribute( name, "PersistenceUnit" ) );
			}
			inTransaction( second, em -> em.persist( new Counter( 1L, "c", 1 ) ) );
			Set<ObjectName> others = new HashSet<>( both );
			others.remove( first );
			ObjectName secondName = others.iterator().next();
			assertEquals( 1L, server.getAttribute( secondName, "Pending" ) );
			assertEquals( 0L, server.getAttribute( first, "Pending" ) );
		}
		finally {
			second.close();
		}
		assertEquals( Set.of( first ), names() );
		emf.close();
		assertEquals( Set.of(), names() );
	}

	private static final String[] CLUSTER_COUNTERS = { "ClusterMessagesSent", "ClusterMessagesReceived",
			"ClusterIdsEvicted", "ClusterGaps", "ClusterCommitsRefused", "ClusterFlushRequestsSent",
			"ClusterFlushRequestsServed", "ClusterLeasesAcquired", "ClusterLeasesRenewed", "ClusterLeaseHandOvers" };

	@Test
	@NeedsServers
	void clusterAttributesWithARedisChannel() throws Exception {
		emf.close();
		String channel = "wbtest_jmx_" + java.util.UUID.randomUUID().toString().replace( "-", "" ).substring( 0, 12 );
		emf = buildFactory( connections, Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "redis",
				WriteBehindSettings.CLUSTER_REDIS_URI, MetricsTest.REDIS_URI, WriteBehindSettings.CLUSTER_CHANNEL_NAME,
				channel ) );
		ObjectName name = only();
		assertEquals( "redis", server.getAttribute( name, "ClusterChannel" ) );
		MetricsTest.awaitTrue( () -> attribute( name, "ClusterListening" ).equals( true ),
				"the channel listens on Redis at " + MetricsTest.REDIS_URI + " (is it running?)" );
		inTransaction( em -> em.persist( new Counter( 1L, "c", 1 ) ) );
		MetricsTest.awaitTrue( () -> (Long) attribute( name, "ClusterMessagesSent" ) >= 1, "the commit was published" );
		writeBehind().flush();
		// the attributes tell what stats().cluster() tells
		var cluster = writeBehind().stats().cluster();
		assertEquals( cluster.messagesSent(), server.getAttribute( name, "ClusterMessagesSent" ) );
		assertEquals( cluster.messagesReceived(), server.getAttribute( name, "ClusterMessagesReceived" ) );
		assertEquals( 0L, server.getAttribute( name, "ClusterMessagesReceived" ), "no other node" );
		assertEquals( cluster.leasesAcquired(), server.getAttribute( name, "ClusterLeasesAcquired" ) );
		assertEquals( cluster.leasesRenewed(), server.getAttribute( name, "ClusterLeasesRenewed" ) );
		assertEquals( cluster.leaseHandOvers(), server.getAttribute( name, "ClusterLeaseHandOvers" ) );
		for ( String attribute : new String[] { "ClusterIdsEvicted", "ClusterGaps", "ClusterCommitsRefused",
				"ClusterFlushRequestsSent", "ClusterFlushRequestsServed", "ClusterLeasesAcquired",
				"ClusterLeasesRenewed", "ClusterLeaseHandOvers" } ) {
			assertEquals( 0L, server.getAttribute( name, attribute ), attribute );
		}
		emf.close();
		assertFalse( server.isRegistered( name ) );
	}

	private Object attribute(ObjectName name, String attribute) {
		try {
			return server.getAttribute( name, attribute );
		}
		catch (Exception e) {
			throw new IllegalStateException( e );
		}
	}

	@Test
	void jmxCanBeTurnedOff() throws Exception {
		emf.close();
		assertEquals( Set.of(), names() );
		emf = buildFactory( connections, Map.of( WriteBehindSettings.JMX_ENABLED, "false" ) );
		assertEquals( Set.of(), names() );
		writeBehind().flush();
	}
}
