package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.hibernate.SessionFactory;
import org.hibernate.StaleObjectStateException;
import org.junit.jupiter.api.AfterEach;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;
import io.writebehind.cluster.internal.ClusterCoherence;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.testing.Await;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.OptimisticLockException;

/**
 * Several application nodes in this JVM: the test's own factory and more {@link #node nodes}, each an
 * EntityManagerFactory on the test's schema with a connection provider of its own, all on one coherence channel of
 * the test (a fresh channel name), which the subclasses choose. The channel's server is required whatever database the
 * suite runs on (an unreachable one fails the test, never skips it).
 */
abstract class ClusterNodesTestBase extends WriteBehindTestBase {

	protected final String channelName = "wbtest_" + UUID.randomUUID().toString().replace( "-", "" ).substring( 0, 12 );
	/** The nodes and their connection providers, closed after each test. */
	protected final List<EntityManagerFactory> nodes = new ArrayList<>();
	protected final List<CountingConnectionProvider> providers = new ArrayList<>();

	/** The channel's settings ({@code cluster.channel} and where its server is). */
	protected abstract Map<String, Object> channelProperties();

	/** Fails when the channel's server is not reachable. */
	protected abstract void requireServer();

	@Override
	protected void properties(Map<String, Object> properties) {
		requireServer();
		properties.putAll( channelProperties() );
		properties.put( WriteBehindSettings.CLUSTER_CHANNEL_NAME, channelName );
	}

	/** Another node on this test's schema, listening once returned. */
	protected EntityManagerFactory node(Map<String, Object> overrides) {
		CountingConnectionProvider provider = new CountingConnectionProvider( schema, true );
		providers.add( provider );
		Map<String, Object> settings = new HashMap<>( overrides );
		settings.putIfAbsent( "hibernate.hbm2ddl.auto", "none" );
		EntityManagerFactory node = buildFactory( provider, settings );
		nodes.add( node );
		awaitListening( node );
		return node;
	}

	@AfterEach
	void closeNodes() {
		for ( EntityManagerFactory node : nodes ) {
			if ( node.isOpen() ) {
				node.close();
			}
		}
		providers.forEach( CountingConnectionProvider::closeAll );
	}

	protected static WriteBehindRuntime runtime(EntityManagerFactory node) {
		return WriteBehindRuntime.of( node.unwrap( SessionFactory.class ) );
	}

	protected static ClusterCoherence coherence(EntityManagerFactory node) {
		return runtime( node ).coherence();
	}

	protected static void awaitListening(EntityManagerFactory node) {
		Await.until( Duration.ofSeconds( 20 ), "the node's coherence channel listens",
				() -> coherence( node ).listening() );
	}

	/** The node's cluster figures through the public API. */
	protected static WriteBehindStats.ClusterStats clusterStats(EntityManagerFactory node) {
		WriteBehindStats.ClusterStats cluster = WriteBehind.of( node ).stats().cluster();
		assertNotNull( cluster, "stats().cluster() with a channel" );
		return cluster;
	}

	protected static boolean isOptimisticLockFailure(Throwable e) {
		for ( Throwable cause = e; cause != null; cause = cause.getCause() ) {
			if ( cause instanceof OptimisticLockException || cause instanceof StaleObjectStateException ) {
				return true;
			}
		}
		return false;
	}

	/** Runs the work in a transaction, retrying optimistic-lock failures for up to 20 s. */
	protected static void inTransactionRetrying(EntityManagerFactory node,
			java.util.function.Consumer<jakarta.persistence.EntityManager> work) {
		long deadline = System.nanoTime() + Duration.ofSeconds( 20 ).toNanos();
		while ( true ) {
			try {
				inTransaction( node, work );
				return;
			}
			catch (RuntimeException e) {
				if ( !isOptimisticLockFailure( e ) || System.nanoTime() - deadline > 0 ) {
					throw e;
				}
			}
		}
	}

}
