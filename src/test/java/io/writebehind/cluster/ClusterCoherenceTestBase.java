package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.model.Counter;
import io.writebehind.testing.Await;
import io.writebehind.testing.CountingConnectionProvider;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.RollbackException;

/**
 * Issue 9: several application nodes (EntityManagerFactory instances on the suite's database, in this JVM) kept
 * coherent by a channel; the subclasses choose PostgreSQL LISTEN/NOTIFY or Redis pub/sub. The channel's server is
 * required whatever database the suite runs on (an unreachable one fails the test).
 */
abstract class ClusterCoherenceTestBase extends ClusterNodesTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class, ClusterCounter.class };
	}

	protected static EntityRegion region(EntityManagerFactory node) {
		return runtime( node ).regionOf( Counter.class.getName() );
	}

	/** Waits until the node published at least {@code messages} messages (its publisher thread sends them). */
	protected static void awaitSent(EntityManagerFactory node, long messages) {
		Await.until( Duration.ofSeconds( 10 ), "the node published " + messages + " message(s)",
				() -> clusterStats( node ).messagesSent() >= messages );
	}

	/** Waits until the node's cache no longer holds the id; returns the nanoseconds since {@code since}. */
	protected static long awaitEvicted(EntityManagerFactory node, long id, long since) {
		EntityRegion region = region( node );
		while ( region.lookup( id ) != null ) {
			assertTrue( System.nanoTime() - since < TimeUnit.SECONDS.toNanos( 10 ),
					"node did not evict id " + id + " within 10 s" );
			Thread.onSpinWait();
		}
		return System.nanoTime() - since;
	}

	protected static long total(EntityManagerFactory node, long id) {
		return fromTransaction( node, em -> em.find( Counter.class, id ).getTotal() );
	}

	protected static void sleep(long millis) {
		try {
			Thread.sleep( millis );
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException( e );
		}
	}

	protected static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
		for ( Throwable cause = e; cause != null; cause = cause.getCause() ) {
			if ( type.isInstance( cause ) ) {
				return true;
			}
		}
		return false;
	}

	// ---------------------------------------------------------------- scenarios

	@Test
	void anotherNodesCommitEvictsTheIdAndTheDelayIsMeasured() {
		EntityManagerFactory nodeB = node( Map.of() );
		awaitListening( emf );
		inTransaction( em -> em.persist( new Counter( 1L, "hot", 0 ) ) );
		writeBehind().flush();
		int rounds = 40;
		long[] delays = new long[rounds];
		for ( int i = 0; i < rounds; i++ ) {
			// node A writes the id: once flushed, its cache holds it as clean (also on databases where rows read by
			// application transactions are not cached, REPEATABLE READ)
			long written = System.nanoTime();
			inTransaction( em -> em.find( Counter.class, 1L ).increment() );
			writeBehind().flush();
			assertNotNull( region( emf ).lookup( 1L ), "node A cached its write" );
			awaitEvicted( nodeB, 1L, written ); // node B no longer serves its own older write
			long start = System.nanoTime();
			inTransaction( nodeB, em -> em.find( Counter.class, 1L ).increment() );
			delays[i] = awaitEvicted( emf, 1L, start );
			WriteBehind.of( nodeB ).flush();
		}
		Arrays.sort( delays );
		System.out.printf( "[%s] invalidation delay, commit on node B to eviction on node A, %d rounds: min %.2f ms, "
				+ "median %.2f ms, p90 %.2f ms, max %.2f ms%n", getClass().getSimpleName(), rounds, delays[0] / 1e6,
				delays[rounds / 2] / 1e6, delays[rounds * 9 / 10] / 1e6, delays[rounds - 1] / 1e6 );
		assertEquals( 2 * rounds, total( emf, 1L ) );
		assertEquals( 2 * rounds, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 0, writeBehind().stats().conflicts() + WriteBehind.of( nodeB ).stats().conflicts() );
	}

	@Test
	void aReadModifyWriteOnAStaleEntityFailsAtCommitOnceTheInvalidationArrived() {
		EntityManagerFactory nodeB = node( Map.of() );
		awaitListening( emf );
		inTransaction( em -> em.persist( new Counter( 1L, "hot", 10 ) ) );
		writeBehind().flush();
		assertEquals( 10, total( emf, 1L ) );
		assertEquals( 10, total( nodeB, 1L ) );

		// node A read the entity before node B's commit, and commits after the invalidation arrived
		var em = emf.createEntityManager();
		em.getTransaction().begin();
		em.find( Counter.class, 1L ).increment();
		long start = System.nanoTime();
		inTransaction( nodeB, other -> other.find( Counter.class, 1L ).increment() ); // 11, pending on node B
		awaitEvicted( emf, 1L, start );
		RollbackException refused = assertThrows( RollbackException.class, () -> em.getTransaction().commit() );
		assertTrue( isOptimisticLockFailure( refused ), refused.toString() );
		em.close();

		// node B's write has not reached the database: node A reads the older row, but a write based on it fails too
		RollbackException again = assertThrows( RollbackException.class,
				() -> inTransaction( other -> other.find( Counter.class, 1L ).increment() ) );
		assertTrue( isOptimisticLockFailure( again ), again.toString() );

		// once node B's write is in the database, node A reads it and builds on it
		WriteBehind.of( nodeB ).flush();
		long commit = System.nanoTime();
		inTransaction( other -> other.find( Counter.class, 1L ).increment() );
		writeBehind().flush();
		assertEquals( 12, count( "select total from wb_counter where id = 1" ) );
		// node B serves its own write until node A's invalidation arrives (the documented delay), then the row
		awaitEvicted( nodeB, 1L, commit );
		assertEquals( 12, total( nodeB, 1L ) );
		assertEquals( 0, writeBehind().stats().conflicts() + WriteBehind.of( nodeB ).stats().conflicts() );
		assertTrue( writeBehind().failedWrites().isEmpty() && WriteBehind.of( nodeB ).failedWrites().isEmpty() );
	}

	@Test
	void incrementsFromThreeNodesOnHotIdsAreAllInTheDatabase() {
		runIncrements( 3, 3_000, null );
	}

	@Test
	void withTheVersionCheckAtFlushEveryIncrementLostToAConflictIsReported() {
		runIncrements( 3, 3_000, null, Map.of( WriteBehindSettings.CLUSTER_VERSION_CHECK, "flush" ) );
	}

	/**
	 * Two nodes whose channels do not reach each other (different channel names), so no invalidation ever arrives:
	 * the version ledger alone refuses node A's commit based on the version node B replaced, while node B's write is
	 * still pending (not in the entity's table).
	 */
	@Test
	void theVersionLedgerRefusesAStaleCommitBeforeAnyInvalidationArrives() {
		EntityManagerFactory nodeB = node( Map.of( WriteBehindSettings.CLUSTER_CHANNEL_NAME, channelName + "_b" ) );
		awaitListening( emf );
		inTransaction( em -> em.persist( new Counter( 1L, "hot", 10 ) ) );
		writeBehind().flush();
		assertEquals( 10, total( emf, 1L ) );
		assertEquals( 10, total( nodeB, 1L ) ); // both nodes cache version 0 now (on READ COMMITTED)

		inTransaction( nodeB, em -> em.find( Counter.class, 1L ).increment() ); // 11, version 1, pending on node B
		RollbackException refused = assertThrows( RollbackException.class,
				() -> inTransaction( em -> em.find( Counter.class, 1L ).increment() ) );
		assertTrue( isOptimisticLockFailure( refused ), refused.toString() );
		assertEquals( 10, count( "select total from wb_counter where id = 1" ), "node B's write is still pending" );
		assertNull( region( emf ).lookup( 1L ), "the refusal evicted node A's stale entry" );

		// node A's retry reads the row (version 0; node B's write is still pending): refused again, also without a
		// round trip to the ledger (the refusal marked the id with node B's version)
		RollbackException again = assertThrows( RollbackException.class,
				() -> inTransaction( em -> em.find( Counter.class, 1L ).increment() ) );
		assertTrue( isOptimisticLockFailure( again ), again.toString() );
		// the figures: one commit refused by the ledger (the retry refused by the mark is not counted), one id asked
		// of the other nodes; the channels do not reach each other, so nothing was received nor served
		WriteBehindStats.ClusterStats a = clusterStats( emf );
		assertEquals( channelProperties().get( WriteBehindSettings.CLUSTER_CHANNEL ), a.channel() );
		assertTrue( a.listening(), a.toString() );
		assertEquals( 1, a.commitsRefused(), a.toString() );
		assertEquals( 1, a.flushRequestsSent(), a.toString() );
		assertEquals( 0, a.messagesReceived(), a.toString() );
		assertEquals( 0, a.gaps(), a.toString() );
		assertEquals( 0, clusterStats( nodeB ).commitsRefused() );
		awaitSent( emf, 1 ); // the writes and the flush request, published by node A's publisher thread
		assertEquals( 0, clusterStats( nodeB ).flushRequestsServed() );
		assertEquals( 0, clusterStats( nodeB ).messagesReceived() );

		// once node B's write is in the database, node A's retry builds on it
		WriteBehind.of( nodeB ).flush();
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		writeBehind().flush();
		assertEquals( 12, count( "select total from wb_counter where id = 1" ) );
		// a removal on node A is claimed too: node B's update based on its own (stale) version is refused at commit
		inTransaction( em -> em.remove( em.find( Counter.class, 1L ) ) ); // pending on node A
		RollbackException removed = assertThrows( RollbackException.class,
				() -> inTransaction( nodeB, em -> em.find( Counter.class, 1L ).increment() ) );
		assertTrue( isOptimisticLockFailure( removed ), removed.toString() );
		// ... and so is node B's persist of the id while node A's removal is pending (the row is still there)
		RollbackException exists = assertThrows( RollbackException.class,
				() -> inTransaction( nodeB, em -> em.persist( new Counter( 1L, "again", 0 ) ) ) );
		assertTrue( hasCause( exists, org.hibernate.exception.ConstraintViolationException.class ), exists.toString() );
		assertTrue( clusterStats( nodeB ).commitsRefused() >= 1, clusterStats( nodeB ).toString() );
		assertEquals( 1, clusterStats( emf ).commitsRefused() );
		// once the removal is in the database, the id may be persisted again
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wb_counter where id = 1" ) );
		inTransaction( nodeB, em -> em.persist( new Counter( 1L, "again", 5 ) ) );
		WriteBehind.of( nodeB ).flush();
		assertEquals( 5, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 0, writeBehind().stats().conflicts() + WriteBehind.of( nodeB ).stats().conflicts() );
		assertTrue( writeBehind().failedWrites().isEmpty() && WriteBehind.of( nodeB ).failedWrites().isEmpty() );
	}

	/**
	 * Node B's write waits for a long {@code max_delay_ms}; node A's commit of the id is refused by the ledger, and A
	 * asks B to write it now: B writes it at once, and A's retry builds on it, long before B's delay.
	 */
	@Test
	void aRefusedCommitAsksTheNodeHoldingTheNewerVersionToWriteItNow() {
		Map<String, Object> slow = Map.of( WriteBehindSettings.MAX_DELAY_MS, "120000",
				WriteBehindSettings.FLUSH_THRESHOLD, "1000", WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "1000" );
		EntityManagerFactory nodeA = node( slow );
		EntityManagerFactory nodeB = node( slow );
		inTransaction( nodeA, em -> em.persist( new Counter( 1L, "hot", 0 ) ) );
		WriteBehind.of( nodeA ).flush();
		inTransaction( nodeB, em -> em.find( Counter.class, 1L ).increment() ); // pending on node B for two minutes
		long start = System.nanoTime();
		int refusals = 0;
		while ( true ) {
			try {
				inTransaction( nodeA, em -> em.find( Counter.class, 1L ).increment() );
				break;
			}
			catch (RuntimeException e) {
				assertTrue( isOptimisticLockFailure( e ), e.toString() );
				refusals++;
				assertTrue( System.nanoTime() - start < TimeUnit.SECONDS.toNanos( 30 ), "node A's commit was still "
						+ "refused after 30 s: node B did not write its pending write early" );
				sleep( 5 );
			}
		}
		long millis = TimeUnit.NANOSECONDS.toMillis( System.nanoTime() - start );
		System.out.printf( "[%s] node A's commit went through %d ms after node B's, after %d refusal(s)%n",
				getClass().getSimpleName(), millis, refusals );
		assertTrue( refusals >= 1, "node A's first commit, based on the version node B replaced, was refused" );
		assertTrue( coherence( nodeB ).flushRequestsServed() >= 1, "node B was asked to write early" );
		// the same through the public API: node A's refusals by the ledger (others may have been refused by the mark
		// of node B's version, without asking the ledger) and its requests, node B's early write
		// (the messages travel asynchronously: node B's invalidation may still be on its way to node A)
		Await.until( Duration.ofSeconds( 10 ), () -> "figures: " + clusterStats( nodeA ) + " " + clusterStats( nodeB ),
				() -> clusterStats( nodeA ).idsEvicted() >= 1 && clusterStats( nodeA ).messagesSent() >= 1
						&& clusterStats( nodeB ).messagesSent() >= 1 );
		WriteBehindStats.ClusterStats a = clusterStats( nodeA );
		WriteBehindStats.ClusterStats b = clusterStats( nodeB );
		assertTrue( a.commitsRefused() >= 1 && a.commitsRefused() <= refusals, refusals + " refusals, " + a );
		assertTrue( a.flushRequestsSent() >= 1 && a.flushRequestsSent() <= a.commitsRefused(), a.toString() );
		assertTrue( b.flushRequestsServed() >= 1, b.toString() );
		assertEquals( 0, a.flushRequestsServed(), a.toString() );
		assertEquals( 0, b.commitsRefused(), b.toString() );
		assertEquals( 0, b.flushRequestsSent(), b.toString() );
		assertTrue( a.messagesSent() >= 1 && b.messagesSent() >= 1, a + " " + b );
		assertTrue( a.messagesReceived() >= 1 && b.messagesReceived() >= 1, a + " " + b );
		assertTrue( a.idsEvicted() >= 1, "node B's commit evicted the id on node A: " + a );
		assertTrue( a.listening() && b.listening(), a + " " + b );
		assertEquals( 0, a.gaps() + b.gaps() );
		assertEquals( channelProperties().get( WriteBehindSettings.CLUSTER_CHANNEL ), a.channel() );
		assertEquals( 1, count( "select total from wb_counter where id = 1" ), "node B's write reached the database "
				+ "without a flush() and long before its max_delay_ms" );
		WriteBehind.of( nodeA ).flush();
		assertEquals( 2, count( "select total from wb_counter where id = 1" ) );
	}

	/**
	 * A node whose schema management recreates the tables clears the ledger's rows of its entities: an id claimed
	 * before may be persisted again at once.
	 */
	/**
	 * Issue 13, point 8: a transaction that queried its own write wrote it in its own transaction; its commit is still
	 * claimed in the ledger and announced, so the other node evicts the id and a commit there based on the older
	 * version fails.
	 */
	@Test
	void aCommitWrittenForItsOwnQueryIsAnnouncedAndClaimed() {
		EntityManagerFactory nodeB = node( Map.of() );
		awaitListening( emf );
		inTransaction( nodeB, em -> em.persist( new Counter( 1L, "hot", 10 ) ) );
		WriteBehind.of( nodeB ).flush();
		assertNotNull( region( nodeB ).lookup( 1L ), "node B cached its write" );
		var stale = nodeB.createEntityManager();
		stale.getTransaction().begin();
		stale.find( Counter.class, 1L ).increment();

		long start = System.nanoTime();
		inTransaction( em -> {
			em.find( Counter.class, 1L ).increment();
			assertEquals( 11L, em.createQuery( "select c.total from Counter c where c.id = 1", Long.class ).getSingleResult() );
		} );
		assertEquals( 0, writeBehind().stats().pending(), "written by the transaction itself" );
		assertEquals( 11, count( "select total from wb_counter where id = 1" ) );
		awaitEvicted( nodeB, 1L, start );
		RollbackException refused = assertThrows( RollbackException.class, () -> stale.getTransaction().commit() );
		assertTrue( isOptimisticLockFailure( refused ), refused.toString() );
		stale.close();
		assertEquals( 11, total( nodeB, 1L ) );
		inTransaction( nodeB, em -> em.find( Counter.class, 1L ).increment() );
		WriteBehind.of( nodeB ).flush();
		assertEquals( 12, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 0, writeBehind().stats().conflicts() + WriteBehind.of( nodeB ).stats().conflicts() );
	}

	@Test
	void aNodeThatRecreatesTheSchemaClearsTheLedgerOfItsEntities() {
		inTransaction( em -> em.persist( new Counter( 9L, "before", 1 ) ) );
		writeBehind().flush();
		EntityManagerFactory recreated = node( Map.of( "hibernate.hbm2ddl.auto", "create" ) );
		assertEquals( 0, count( "select count(*) from wb_counter" ), "the table was created anew" );
		inTransaction( recreated, em -> em.persist( new Counter( 9L, "after", 2 ) ) );
		WriteBehind.of( recreated ).flush();
		assertEquals( 2, count( "select total from wb_counter where id = 9" ) );
	}

	@Test
	void aLedgerTableThatCannotBeCreatedFailsTheBootWithTheSettingAndTheDdl() {
		RuntimeException e = assertThrows( RuntimeException.class,
				() -> node( Map.of( WriteBehindSettings.CLUSTER_LEDGER_TABLE, "no_such_schema_wb.ledger" ) ) );
		Throwable cause = e;
		while ( !( cause instanceof io.writebehind.WriteBehindConfigurationException ) && cause.getCause() != null ) {
			cause = cause.getCause();
		}
		String message = cause.getMessage();
		assertTrue( cause instanceof io.writebehind.WriteBehindConfigurationException, e.toString() );
		assertTrue( message.contains( WriteBehindSettings.CLUSTER_LEDGER_TABLE )
				&& message.contains( "create table no_such_schema_wb.ledger (" )
				&& message.contains( WriteBehindSettings.CLUSTER_VERSION_CHECK + "=flush" ), message );
	}

	@Test
	void twoNodesPersistingOneNewIdAtOnce_theSecondIsRefusedAtCommit() {
		EntityManagerFactory nodeB = node( Map.of( WriteBehindSettings.CLUSTER_CHANNEL_NAME, channelName + "_b" ) );
		inTransaction( nodeB, em -> em.persist( new Counter( 7L, "b", 1 ) ) ); // pending on node B
		RollbackException refused = assertThrows( RollbackException.class,
				() -> inTransaction( em -> em.persist( new Counter( 7L, "a", 2 ) ) ) );
		assertTrue( hasCause( refused, org.hibernate.exception.ConstraintViolationException.class ), refused.toString() );
		WriteBehind.of( nodeB ).flush();
		assertEquals( 1, count( "select total from wb_counter where id = 7" ) );
		assertTrue( writeBehind().failedWrites().isEmpty() && WriteBehind.of( nodeB ).failedWrites().isEmpty() );
	}

	@Test
	void aNodeClosedAndReopenedCatchesUp() {
		EntityManagerFactory nodeB = node( Map.of() );
		awaitListening( emf );
		inTransaction( em -> em.persist( new Counter( 1L, "hot", 0 ) ) );
		writeBehind().flush();
		long start = System.nanoTime();
		inTransaction( nodeB, em -> em.find( Counter.class, 1L ).increment() );
		awaitEvicted( emf, 1L, start );
		nodeB.close(); // drains its queue
		assertEquals( 1, total( emf, 1L ) );
		EntityManagerFactory nodeB2 = node( Map.of() );
		assertEquals( 1, total( nodeB2, 1L ) );
		inTransaction( em -> em.find( Counter.class, 1L ).increment() ); // node A: 2, pending
		awaitEvicted( nodeB2, 1L, System.nanoTime() );
		writeBehind().flush();
		long commit = System.nanoTime();
		inTransaction( nodeB2, em -> em.find( Counter.class, 1L ).increment() );
		WriteBehind.of( nodeB2 ).flush();
		awaitEvicted( emf, 1L, commit );
		assertEquals( 3, total( emf, 1L ) );
		assertEquals( 3, count( "select total from wb_counter where id = 1" ) );
	}

	/**
	 * Issue 13, point 7: a journaled node killed with a committed write still pending, and restarted on its journal
	 * later than {@code 2 x max_delay_ms + 10 s} (the ledger's lifetime of a claim before, and still without a journal).
	 * Its claim holds until it is back (with a journal, {@code cluster.claim_ttl_ms} defaults to 10 minutes): the other
	 * node's commits of the id stay refused all that time, the replay writes the acknowledged increment without a
	 * conflict, and the other node then builds on it. Before, the claim expired during the restart, the other node's
	 * increment went through on the older version, and the replayed one failed as a CONFLICT: lost.
	 */
	@Test
	void aJournaledNodeRestartedAfterTheOldClaimLifetimeStillReplaysItsWrite() throws Exception {
		java.nio.file.Path dir = java.nio.file.Path.of( "target", "journaled-restart",
				UUID.randomUUID().toString().substring( 0, 8 ) ).toAbsolutePath();
		inTransaction( em -> em.persist( new ClusterCounter( 1L ) ) );
		assertTrue( writeBehind().flush( Duration.ofSeconds( 30 ) ) );

		// node A: journaled, its write stays pending (max_delay_ms of a minute); it crashes once that write is committed
		CountingConnectionProvider providerA = new CountingConnectionProvider( schema, true );
		providers.add( providerA );
		Map<String, Object> settingsA = new HashMap<>();
		settingsA.put( "hibernate.hbm2ddl.auto", "none" );
		settingsA.put( WriteBehindSettings.MAX_DELAY_MS, "60000" );
		settingsA.put( WriteBehindSettings.FLUSH_ON_SHUTDOWN, "false" );
		settingsA.put( WriteBehindSettings.SHUTDOWN_TIMEOUT_MS, "300" );
		settingsA.put( WriteBehindSettings.JOURNAL_DIR, dir.resolve( "a" ).toString() );
		EntityManagerFactory nodeA = buildFactory( providerA, settingsA );
		nodes.add( nodeA );
		awaitListening( nodeA );
		// node B: journaled too (nodes of a unit are configured alike), fast
		EntityManagerFactory nodeB = node( Map.of( WriteBehindSettings.MAX_DELAY_MS, "20",
				WriteBehindSettings.JOURNAL_DIR, dir.resolve( "b" ).toString() ) );

		inTransaction( nodeA, em -> em.find( ClusterCounter.class, 1L ).increment( 0 ) ); // acknowledged, pending
		long claimed = System.nanoTime();
		// the crash: the journal as a kill -9 leaves it, and nothing more of node A reaches the database
		java.nio.file.Path image = dir.resolve( "a-image" );
		java.nio.file.Files.createDirectories( image, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
				java.nio.file.attribute.PosixFilePermissions.fromString( "rwx------" ) ) );
		try ( var files = java.nio.file.Files.list( dir.resolve( "a" ) ) ) {
			for ( java.nio.file.Path file : files.toList() ) {
				java.nio.file.Files.copy( file, image.resolve( file.getFileName() ) );
			}
		}
		providerA.down( true );
		nodeA.close();
		providerA.down( false );
		assertEquals( 0, count( "select total from wb_cluster_counter where id = 1" ), "node A's write is pending" );

		// node A stays down for longer than the claim lived before (B's 2 x 20 ms + 10 s, and a second more): node
		// B's read-modify-writes of the id are refused the whole time (a delay of the restart, not a proof)
		long oldLifetime = 2 * TimeUnit.MILLISECONDS.toNanos( 20 ) + TimeUnit.SECONDS.toNanos( 11 );
		int refused = 0;
		do {
			RollbackException e = assertThrows( RollbackException.class,
					() -> inTransaction( nodeB, em -> em.find( ClusterCounter.class, 1L ).increment( 1 ) ),
					"node B's commit based on the database's version went through while node A's write was pending" );
			assertTrue( isOptimisticLockFailure( e ), e.toString() );
			refused++;
			sleep( 200 );
		}
		while ( System.nanoTime() - claimed < oldLifetime );
		RollbackException late = assertThrows( RollbackException.class,
				() -> inTransaction( nodeB, em -> em.find( ClusterCounter.class, 1L ).increment( 1 ) ),
				"node A's claim expired while it was down (after " + refused + " refusals)" );
		assertTrue( isOptimisticLockFailure( late ), late.toString() );

		// node A restarts on its journal: the replayed write lands, with no conflict
		Map<String, Object> restartA = new HashMap<>( settingsA );
		restartA.put( WriteBehindSettings.MAX_DELAY_MS, "20" );
		restartA.put( WriteBehindSettings.JOURNAL_DIR, image.toString() );
		EntityManagerFactory nodeA2 = node( restartA );
		WriteBehind a2 = WriteBehind.of( nodeA2 );
		assertTrue( a2.flush( Duration.ofSeconds( 30 ) ) );
		assertEquals( List.of(), a2.failedWrites() );
		assertEquals( 0, a2.stats().conflicts() );
		assertEquals( 1, count( "select total from wb_cluster_counter where id = 1 and node0 = 1" ) );

		// node B now builds on it (a retry may still meet node A's version in its marks until it reads the row)
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos( 30 );
		while ( true ) {
			try {
				inTransaction( nodeB, em -> em.find( ClusterCounter.class, 1L ).increment( 1 ) );
				break;
			}
			catch (RollbackException e) {
				assertTrue( isOptimisticLockFailure( e ), e.toString() );
				assertTrue( System.nanoTime() < deadline, "node B was still refused 30 s after node A's replay" );
				sleep( 20 );
			}
		}
		WriteBehind b = WriteBehind.of( nodeB );
		assertTrue( b.flush( Duration.ofSeconds( 30 ) ) );
		assertEquals( List.of(), b.failedWrites() );
		assertEquals( 1, count( "select count(*) from wb_cluster_counter where id = 1 and total = 2 and node0 = 1 "
				+ "and node1 = 1 and version = 2" ) );
	}

	/**
	 * Threads on {@code nodeCount} nodes increment random hot ids for {@code millis}, retrying optimistic-lock failures;
	 * {@code disturbance} (if any) runs on its own thread a third into the run. Then every node flushes; the database
	 * holds every committed increment (the version ledger refused each commit based on a replaced version). Each node
	 * also counts its increments in a column of its own, and wherever the database holds fewer of a node's increments
	 * of an id than the node committed, that node reported a failed write of that id to its failure handler (only
	 * possible with {@code cluster.version_check=flush}: two nodes that commit to one id within the invalidation delay
	 * both hold a pending write based on the same version; the database's check at flush refuses the second, and
	 * conflict policy FAIL reports it). After the flush, every node serves the database's rows.
	 */
	protected void runIncrements(int nodeCount, long millis, Runnable disturbance) {
		runIncrements( nodeCount, millis, disturbance, Map.of() );
	}

	/**
	 * As {@link #runIncrements(int, long, Runnable)}, with more settings for the nodes. With the default
	 * {@code cluster.version_check=commit} the database holds exactly the increments committed, and no write failed;
	 * with {@code flush}, every increment missing from the database is a reported failed write of its node.
	 */
	protected void runIncrements(int nodeCount, long millis, Runnable disturbance, Map<String, Object> settings) {
		Map<String, Object> fast = new HashMap<>( settings );
		fast.put( WriteBehindSettings.MAX_DELAY_MS, "20" );
		boolean exact = !"flush".equals( settings.get( WriteBehindSettings.CLUSTER_VERSION_CHECK ) );
		List<EntityManagerFactory> cluster = new ArrayList<>();
		for ( int i = 0; i < nodeCount; i++ ) {
			cluster.add( node( fast ) );
		}
		int ids = 8;
		inTransaction( cluster.get( 0 ), em -> {
			for ( long id = 1; id <= ids; id++ ) {
				em.persist( new ClusterCounter( id ) );
			}
		} );
		WriteBehind.of( cluster.get( 0 ) ).flush();
		AtomicLongArray committed = new AtomicLongArray( ids + 1 );
		AtomicLongArray[] committedBy = new AtomicLongArray[nodeCount];
		for ( int n = 0; n < nodeCount; n++ ) {
			committedBy[n] = new AtomicLongArray( ids + 1 );
		}
		AtomicLong retries = new AtomicLong();
		List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
		long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos( millis );
		List<Thread> threads = new ArrayList<>();
		for ( int n = 0; n < nodeCount; n++ ) {
			EntityManagerFactory node = cluster.get( n );
			int index = n;
			for ( int t = 0; t < 2; t++ ) {
				threads.add( new Thread( () -> {
					try {
						while ( System.nanoTime() < end ) {
							long id = 1 + ThreadLocalRandom.current().nextInt( ids );
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
								Thread.sleep( ThreadLocalRandom.current().nextInt( 1, 5 ) );
							}
						}
					}
					catch (Throwable e) {
						errors.add( e );
					}
				}, "incrementer" ) );
			}
		}
		threads.forEach( Thread::start );
		Thread disturber = null;
		if ( disturbance != null ) {
			sleep( millis / 3 );
			disturber = new Thread( disturbance, "disturbance" );
			disturber.start();
		}
		try {
			for ( Thread thread : threads ) {
				thread.join( millis + 60_000 );
			}
			if ( disturber != null ) {
				disturber.join( 60_000 );
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
		long totalInDatabase = 0;
		long conflicts = 0;
		long failed = 0;
		for ( EntityManagerFactory node : cluster ) {
			conflicts += WriteBehind.of( node ).stats().conflicts();
			failed += WriteBehind.of( node ).failedWrites().size();
		}
		for ( int id = 1; id <= ids; id++ ) {
			totalCommitted += committed.get( id );
			totalInDatabase += count( "select total from wb_cluster_counter where id = ?", (long) id );
		}
		System.out.printf( "[%s] %d nodes, %d ms: %d increments committed, %d in the database (%.3f%% lost in %d "
				+ "reported failed writes; conflicts at flush: %d), %d optimistic-lock failures at commit retried%n",
				getClass().getSimpleName(), nodeCount, millis, totalCommitted, totalInDatabase,
				100.0 * ( totalCommitted - totalInDatabase ) / totalCommitted, failed, conflicts, retries.get() );
		assertTrue( totalCommitted > 0 );
		if ( exact ) {
			assertEquals( totalCommitted, totalInDatabase, "every committed increment is in the database" );
			assertEquals( 0, failed, "no write failed" );
			assertEquals( 0, conflicts, "no conflict at flush: the ledger refused stale commits" );
		}
		assertEquals( conflicts, failed, "every conflict was reported (policy FAIL)" );
		for ( int n = 0; n < nodeCount; n++ ) {
			java.util.Set<Object> failedIds = new java.util.HashSet<>();
			WriteBehind.of( cluster.get( n ) ).failedWrites().forEach( write -> failedIds.add( write.id() ) );
			for ( long id = 1; id <= ids; id++ ) {
				long inDatabase = count( "select node" + n + " from wb_cluster_counter where id = ?", id );
				long ofNode = committedBy[n].get( (int) id );
				assertTrue( inDatabase <= ofNode, "node " + n + " id " + id + ": " + inDatabase + " in the database, "
						+ ofNode + " committed" );
				assertTrue( inDatabase == ofNode || failedIds.contains( id ), "node " + n + " committed " + ofNode
						+ " increments of id " + id + ", the database holds " + inDatabase + ", and no failed write of "
						+ "that id was reported: a silent lost update" );
			}
			assertEquals( 0, count( "select count(*) from wb_cluster_counter where total <> node0 + node1 + node2" ) );
		}
		// after the flush, every node serves the database's rows once the last messages arrived (they were sent at
		// commit, before the flush; on a loaded machine a message can take a few hundred milliseconds)
		long converged = System.nanoTime();
		for ( EntityManagerFactory node : cluster ) {
			for ( long i = 1; i <= ids; i++ ) {
				long id = i;
				long row = count( "select total from wb_cluster_counter where id = ?", id );
				while ( true ) {
					long served = fromTransaction( node, em -> em.find( ClusterCounter.class, id ).getTotal() );
					if ( served == row ) {
						break;
					}
					assertTrue( System.nanoTime() - converged < TimeUnit.SECONDS.toNanos( 5 ), "node serves " + served
							+ " for id " + id + " 5 s after the flush, the database holds " + row );
					sleep( 5 );
				}
			}
		}
		System.out.printf( "[%s] every node served the database's rows %.1f ms after the flush%n",
				getClass().getSimpleName(), ( System.nanoTime() - converged ) / 1e6 );
	}
}
