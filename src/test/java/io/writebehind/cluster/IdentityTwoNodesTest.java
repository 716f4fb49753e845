package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.hibernate.SessionFactory;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindEntity;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.testing.Await;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.RollbackException;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import io.writebehind.testing.NeedsServers;

/**
 * Issue 18 on two nodes (two factories on one database, the Redis coherence channel): an entity whose id the database
 * generates is visible to the other node's loads as soon as it is committed; the other node learns of its later
 * (written-behind) changes through the coherence channel, a commit based on a replaced version is refused, and a
 * removal on one node is seen by the other.
 */
@NeedsServers
class IdentityTwoNodesTest extends WriteBehindTestBase {

	@Entity(name = "WbiNodeCounter")
	@Table(name = "wbi_node_counter")
	@WriteBehindEntity
	public static class NodeCounter {
		@Id
		@GeneratedValue(strategy = GenerationType.IDENTITY)
		Long id;
		@Version
		long version;
		long total;
	}

	private final String channelName = "wbtest_" + UUID.randomUUID().toString().replace( "-", "" ).substring( 0, 12 );

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { NodeCounter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		ClusterServers.requireRedis();
		properties.put( WriteBehindSettings.CLUSTER_CHANNEL, "redis" );
		properties.put( WriteBehindSettings.CLUSTER_REDIS_URI, ClusterServers.REDIS_URI );
		properties.put( WriteBehindSettings.CLUSTER_CHANNEL_NAME, channelName );
	}

	/** READ COMMITTED on every database, so that rows a node reads are cached (the stale case this test is about). */
	@Override
	protected Integer transactionIsolation() {
		return java.sql.Connection.TRANSACTION_READ_COMMITTED;
	}

	private static EntityRegion region(EntityManagerFactory node) {
		return WriteBehindRuntime.of( node.unwrap( SessionFactory.class ) ).regionOf( NodeCounter.class.getName() );
	}

	private static void awaitListening(EntityManagerFactory node) {
		Await.until( Duration.ofSeconds( 20 ), "the node's coherence channel listens",
				() -> WriteBehindRuntime.of( node.unwrap( SessionFactory.class ) ).coherence().listening() );
	}

	private static void awaitEvicted(EntityManagerFactory node, long id) {
		Await.until( Duration.ofSeconds( 10 ), "the node evicted id " + id, () -> region( node ).lookup( id ) == null );
	}

	private static void awaitReceived(EntityManagerFactory node, long messages) {
		Await.until( Duration.ofSeconds( 10 ), "the node received " + messages + " message(s)",
				() -> WriteBehind.of( node ).stats().cluster().messagesReceived() >= messages );
	}

	private static boolean isOptimisticLockFailure(Throwable e) {
		for ( Throwable cause = e; cause != null; cause = cause.getCause() ) {
			if ( cause instanceof jakarta.persistence.OptimisticLockException
					|| cause instanceof org.hibernate.StaleObjectStateException ) {
				return true;
			}
		}
		return false;
	}

	@Test
	void theOtherNodeSeesTheInsertAtOnceAndLearnsOfLaterChanges() {
		CountingConnectionProvider nodeBConnections = new CountingConnectionProvider( schema, true )
				.isolation( java.sql.Connection.TRANSACTION_READ_COMMITTED );
		Map<String, Object> nodeBSettings = new HashMap<>();
		nodeBSettings.put( "hibernate.hbm2ddl.auto", "none" );
		try ( EntityManagerFactory nodeB = buildFactory( nodeBConnections, nodeBSettings ) ) {
			awaitListening( emf );
			awaitListening( nodeB );
			long id = fromTransaction( em -> {
				NodeCounter counter = new NodeCounter();
				counter.total = 10;
				em.persist( counter );
				return counter.id;
			} );
			// no flush: the row is in the database with the commit
			assertEquals( 10, fromTransaction( nodeB, em -> em.find( NodeCounter.class, id ) ).total );
			// once node A's announcement of the insert arrived (it may evict what node B read before), B caches the row
			awaitReceived( nodeB, 1 );
			assertEquals( 10, fromTransaction( nodeB, em -> em.find( NodeCounter.class, id ) ).total );
			assertNotNull( region( nodeB ).lookup( id ), "node B cached the row it read" );

			// node A's increment is written behind; node B drops its cached state and refuses a commit based on it
			var stale = nodeB.createEntityManager();
			stale.getTransaction().begin();
			stale.find( NodeCounter.class, id ).total += 100;
			inTransaction( em -> em.find( NodeCounter.class, id ).total++ );
			awaitEvicted( nodeB, id );
			RollbackException refused = assertThrows( RollbackException.class, () -> stale.getTransaction().commit() );
			assertTrue( isOptimisticLockFailure( refused ), refused.toString() );
			stale.close();

			// once node A's write is in the database, node B reads and builds on it
			writeBehind().flush();
			inTransaction( nodeB, em -> em.find( NodeCounter.class, id ).total++ );
			WriteBehind.of( nodeB ).flush();
			assertEquals( 12, count( "select total from wbi_node_counter where id = ?", id ) );
			assertEquals( 2, count( "select version from wbi_node_counter where id = ?", id ) );
			awaitEvicted( emf, id );
			assertEquals( 12, fromTransaction( em -> em.find( NodeCounter.class, id ) ).total );

			// a removal on node B: node A no longer serves the entity
			inTransaction( nodeB, em -> em.remove( em.find( NodeCounter.class, id ) ) );
			awaitEvicted( emf, id );
			WriteBehind.of( nodeB ).flush();
			assertNull( fromTransaction( em -> em.find( NodeCounter.class, id ) ) );
			assertEquals( 0, count( "select count(*) from wbi_node_counter" ) );
			assertEquals( 0, writeBehind().stats().conflicts() + WriteBehind.of( nodeB ).stats().conflicts() );
			assertTrue( writeBehind().failedWrites().isEmpty() && WriteBehind.of( nodeB ).failedWrites().isEmpty() );
		}
		finally {
			nodeBConnections.closeAll();
		}
	}
}
