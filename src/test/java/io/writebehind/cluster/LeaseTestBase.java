package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.hibernate.SessionFactory;
import org.hibernate.StaleObjectStateException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
 * Issue 17: {@code cluster.version_check=lease}, several nodes (factories on the suite's database, in this JVM); the
 * subclasses choose the channel.
 */
abstract class LeaseTestBase extends WriteBehindTestBase {

	protected final String channelName = "wblease_" + UUID.randomUUID().toString().replace( "-", "" ).substring( 0, 12 );
	private final List<EntityManagerFactory> nodes = new ArrayList<>();
	private final List<CountingConnectionProvider> providers = new ArrayList<>();

	/** The channel's settings ({@code cluster.channel} and where its server is). */
	protected abstract Map<String, Object> channelProperties();

	/** Fails when the channel's server is not reachable. */
	protected abstract void requireServer();

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { ClusterCounter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		requireServer();
		properties.putAll( channelProperties() );
		properties.put( WriteBehindSettings.CLUSTER_CHANNEL_NAME, channelName );
		properties.put( WriteBehindSettings.CLUSTER_VERSION_CHECK, "lease" );
		properties.put( WriteBehindSettings.CLUSTER_LEASE_TABLE, leaseTable() );
	}

	/** The lease table (each test has a schema of its own). */
	protected String leaseTable() {
		return WriteBehindSettings.DEFAULT_CLUSTER_LEASE_TABLE;
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

	/** Persists counters 1..ids on {@code node} and flushes them. */
	protected static void counters(EntityManagerFactory node, int ids) {
		inTransaction( node, em -> {
			for ( long id = 1; id <= ids; id++ ) {
				em.persist( new ClusterCounter( id ) );
			}
		} );
		WriteBehind.of( node ).flush();
	}

	// ---------------------------------------------------------------- scenarios

	@Test
	void theLeaseTableIsCreatedAtBoot() {
		assertEquals( 0, count( "select count(*) from " + leaseTable() + " where entity_name = 'nothing'" ) );
	}

	@Test
	void incrementsFromTwoNodesOnHotIdsAreAllInTheDatabase() {
		runIncrements( 2, 3_000, 8, false );
	}

	@Test
	void incrementsFromThreeNodesOnHotIdsAreAllInTheDatabase() {
		runIncrements( 3, 3_000, 8, false );
	}

	/**
	 * Two threads on each of {@code nodeCount} nodes increment ids for {@code millis}, retrying optimistic-lock
	 * failures: random ids of {@code ids} hot ones, or ({@code split}) each node its own ids. Then every node flushes;
	 * the database holds exactly the increments committed, per id and node, and no write failed.
	 */
	protected void runIncrements(int nodeCount, long millis, int ids, boolean split) {
		Map<String, Object> fast = Map.of( WriteBehindSettings.MAX_DELAY_MS, "20" );
		List<EntityManagerFactory> cluster = new ArrayList<>();
		cluster.add( emf );
		for ( int i = 1; i < nodeCount; i++ ) {
			cluster.add( node( fast ) );
		}
		awaitListening( emf );
		counters( emf, ids );
		AtomicLongArray committed = new AtomicLongArray( ids + 1 );
		AtomicLongArray[] committedBy = new AtomicLongArray[nodeCount];
		for ( int n = 0; n < nodeCount; n++ ) {
			committedBy[n] = new AtomicLongArray( ids + 1 );
		}
		AtomicLong retries = new AtomicLong();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos( millis );
		List<Thread> threads = new ArrayList<>();
		for ( int n = 0; n < nodeCount; n++ ) {
			EntityManagerFactory node = cluster.get( n );
			int index = n;
			for ( int t = 0; t < 2; t++ ) {
				threads.add( new Thread( () -> {
					try {
						while ( System.nanoTime() < end ) {
							long id = split ? 1 + index + nodeCount * ThreadLocalRandom.current().nextInt( ids / nodeCount )
									: 1 + ThreadLocalRandom.current().nextInt( ids );
							try {
								inTransaction( node, em -> em.find( ClusterCounter.class, id ).increment( index ) );
								committed.incrementAndGet( (int) id );
								committedBy[index].incrementAndGet( (int) id );
							}
							catch (RuntimeException e) {
								if ( !isOptimisticLockFailure( e ) ) {
									throw e;
								}
								retries.incrementAndGet();
							}
						}
					}
					catch (Throwable e) {
						errors.add( e );
					}
				}, "incrementer-" + n + "-" + t ) );
			}
		}
		threads.forEach( Thread::start );
		try {
			for ( Thread thread : threads ) {
				thread.join( millis + 60_000 );
			}
		}
		catch (InterruptedException e) {
			throw new IllegalStateException( e );
		}
		assertTrue( errors.isEmpty(), "workers failed: " + errors );
		for ( EntityManagerFactory node : cluster ) {
			assertTrue( WriteBehind.of( node ).flush( Duration.ofSeconds( 60 ) ), "flushed" );
		}
		long totalCommitted = 0;
		long failed = 0;
		for ( EntityManagerFactory node : cluster ) {
			failed += WriteBehind.of( node ).failedWrites().size() + WriteBehind.of( node ).stats().conflicts();
		}
		for ( int id = 1; id <= ids; id++ ) {
			totalCommitted += committed.get( id );
			assertEquals( committed.get( id ), count( "select total from wb_cluster_counter where id = ?", (long) id ),
					"id " + id + ": every committed increment is in the database" );
			for ( int n = 0; n < nodeCount; n++ ) {
				assertEquals( committedBy[n].get( id ), count( "select node" + n + " from wb_cluster_counter where id = ?",
						(long) id ), "id " + id + ", node " + n );
			}
		}
		System.out.printf( "[%s] lease mode, %d nodes, %s ids, %d ms: %d increments committed, %d optimistic-lock "
				+ "failures retried; %s%n", getClass().getSimpleName(), nodeCount, split ? "split" : "hot " + ids, millis,
				totalCommitted, retries.get(), clusterStats( emf ) );
		assertTrue( totalCommitted > 0 );
		assertEquals( 0, failed, "no failed write, no conflict at flush" );
	}
}
