package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.queue.EntityRegion;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 17: {@code cluster.version_check=lease}, several nodes (factories on the suite's database, in this JVM); the
 * subclasses choose the channel.
 */
abstract class LeaseTestBase extends ClusterNodesTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { ClusterCounter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		super.properties( properties );
		properties.put( WriteBehindSettings.CLUSTER_VERSION_CHECK, "lease" );
		properties.put( WriteBehindSettings.CLUSTER_LEASE_TABLE, leaseTable() );
	}

	/** The lease table (each test has a schema of its own). */
	protected String leaseTable() {
		return WriteBehindSettings.DEFAULT_CLUSTER_LEASE_TABLE;
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

	@Test
	void idsSplitBetweenNodesByBucketCommitWithoutALeaseRoundTripPerCommit() {
		EntityManagerFactory nodeB = node( Map.of( WriteBehindSettings.MAX_DELAY_MS, "20" ) );
		awaitListening( emf );
		counters( emf, 64 );
		// node A writes the ids of one set of buckets, node B those of the others
		EntityRegion region = region( emf );
		List<Long> idsA = new ArrayList<>();
		List<Long> idsB = new ArrayList<>();
		for ( long id = 1; id <= 64; id++ ) {
			( coherence( emf ).leaseBucket( region, id ) % 2 == 0 ? idsA : idsB ).add( id );
		}
		assertFalse( idsA.isEmpty() || idsB.isEmpty() );
		// warm-up: node A persisted every id, so node B asks for its buckets once
		for ( long b : idsB ) {
			inTransactionRetrying( nodeB, em -> em.find( ClusterCounter.class, b ).increment( 1 ) );
		}
		for ( long a : idsA ) {
			inTransactionRetrying( emf, em -> em.find( ClusterCounter.class, a ).increment( 0 ) );
		}
		connections.sql().clear();
		long acquiredBefore = clusterStats( emf ).leasesAcquired() + clusterStats( nodeB ).leasesAcquired();
		long handOversBefore = clusterStats( emf ).leaseHandOvers() + clusterStats( nodeB ).leaseHandOvers();
		int rounds = 300;
		for ( int i = 0; i < rounds; i++ ) {
			long a = idsA.get( i % idsA.size() );
			long b = idsB.get( i % idsB.size() );
			inTransaction( em -> em.find( ClusterCounter.class, a ).increment( 0 ) );
			inTransaction( nodeB, em -> em.find( ClusterCounter.class, b ).increment( 1 ) );
		}
		long leaseStatements = connections.sql().executions( e -> e.touches( leaseTable() ) );
		long acquired = clusterStats( emf ).leasesAcquired() + clusterStats( nodeB ).leasesAcquired() - acquiredBefore;
		long handOvers = clusterStats( emf ).leaseHandOvers() + clusterStats( nodeB ).leaseHandOvers() - handOversBefore;
		System.out.printf( "[%s] ids split by bucket, %d commits per node: %d lease(s) taken, %d handed over; node A "
				+ "renewed %d in all and ran %d statement(s) on the lease table%n", getClass().getSimpleName(), rounds,
				acquired, handOvers, clusterStats( emf ).leasesRenewed(), leaseStatements );
		assertEquals( 0, handOvers, "no hand-over between nodes writing different buckets" );
		assertTrue( acquired <= 64, "at most one acquisition per bucket (a lease not renewed in time): " + acquired );
		assertTrue( leaseStatements < rounds / 10, "no lease round trip per commit: " + leaseStatements );
		writeBehind().flush();
		WriteBehind.of( nodeB ).flush();
		assertEquals( rounds + idsA.size(), count( "select sum(node0) from wb_cluster_counter" ) );
		assertEquals( rounds + idsB.size(), count( "select sum(node1) from wb_cluster_counter" ) );
		assertEquals( 0, writeBehind().failedWrites().size() + WriteBehind.of( nodeB ).failedWrites().size() );
	}

	@Test
	void aBucketIsHandedOverAfterItsPendingWriteWasFlushed() {
		EntityManagerFactory nodeB = node( Map.of() );
		awaitListening( emf );
		counters( emf, 1 );
		// node B reads the id while node A holds its bucket
		assertEquals( 0L, (long) fromTransaction( nodeB, em -> em.find( ClusterCounter.class, 1L ).getTotal() ) );
		inTransaction( em -> em.find( ClusterCounter.class, 1L ).increment( 0 ) ); // pending on node A (max delay 10 min)
		assertTrue( writeBehind().stats().pending() > 0 );
		// node B's commit asks node A for the bucket: A writes its pending write, then hands the lease over
		long start = System.nanoTime();
		int attempts = 0;
		while ( true ) {
			attempts++;
			try {
				inTransaction( nodeB, em -> em.find( ClusterCounter.class, 1L ).increment( 1 ) );
				break;
			}
			catch (RuntimeException e) {
				assertTrue( isOptimisticLockFailure( e ), e.toString() );
				// refused while node A's write was pending (the retry reads it once A flushed and handed over)
				assertTrue( System.nanoTime() - start < TimeUnit.SECONDS.toNanos( 10 ),
						"node B's commit was still refused after 10 s (" + attempts + " attempts): " + e );
			}
		}
		System.out.printf( "[%s] hand-over: node B committed %.1f ms after it asked, in %d attempt(s)%n",
				getClass().getSimpleName(), ( System.nanoTime() - start ) / 1e6, attempts );
		assertEquals( 1, clusterStats( emf ).leaseHandOvers() );
		assertEquals( 1, count( "select node0 from wb_cluster_counter where id = 1" ), "A's write is in the database" );
		WriteBehind.of( nodeB ).flush();
		assertEquals( 2, count( "select total from wb_cluster_counter where id = 1" ) );
		assertEquals( 1, count( "select node1 from wb_cluster_counter where id = 1" ) );
		// and back: node A's next commit takes the bucket again from node B
		inTransactionRetrying( emf, em -> em.find( ClusterCounter.class, 1L ).increment( 0 ) );
		writeBehind().flush();
		assertEquals( 3, count( "select total from wb_cluster_counter where id = 1" ) );
		assertEquals( 1, clusterStats( nodeB ).leaseHandOvers() );
		assertEquals( 0, writeBehind().failedWrites().size() + WriteBehind.of( nodeB ).failedWrites().size() );
	}

	/**
	 * Issue 17, point 5: node A's write of an id waits for a long {@code max_delay_ms} (60 s, no size trigger); node B,
	 * which read the id before A's commit, commits a change of it: B waits for the hand-over (A writes its pending write
	 * of the bucket, then hands the bucket over), its commit is refused as stale, and its retry reads A's write, all
	 * within seconds (the bound is far below A's delay; it is a deadline, not a measure of speed).
	 */
	@Test
	void aCommitRefusedByAnotherNodesPendingWriteReadsThatWriteSoon_afterAStaleRead() {
		refusedCommitReadsTheOtherNodesPendingWriteSoon( true );
	}

	/** As above, but node B had not read the id before: its first read, after A's commit, is the database's older row. */
	@Test
	void aCommitRefusedByAnotherNodesPendingWriteReadsThatWriteSoon_withoutAnEarlierRead() {
		refusedCommitReadsTheOtherNodesPendingWriteSoon( false );
	}

	private void refusedCommitReadsTheOtherNodesPendingWriteSoon(boolean readBefore) {
		Map<String, Object> slow = Map.of( WriteBehindSettings.MAX_DELAY_MS, "60000",
				WriteBehindSettings.FLUSH_THRESHOLD, "1000", WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "1000" );
		EntityManagerFactory nodeA = node( slow );
		EntityManagerFactory nodeB = node( slow );
		counters( nodeA, 1 ); // node A holds the id's bucket
		if ( readBefore ) {
			assertEquals( 0L, (long) fromTransaction( nodeB, em -> em.find( ClusterCounter.class, 1L ).getTotal() ) );
		}
		inTransaction( nodeA, em -> em.find( ClusterCounter.class, 1L ).increment( 0 ) ); // pending on node A for 60 s
		assertEquals( 1, WriteBehind.of( nodeA ).stats().pending() );
		long bound = TimeUnit.SECONDS.toNanos( 10 );
		long start = System.nanoTime();
		int refusals = 0;
		long[] read = new long[1];
		while ( true ) {
			try {
				inTransaction( nodeB, em -> {
					ClusterCounter counter = em.find( ClusterCounter.class, 1L );
					read[0] = counter.getTotal();
					counter.increment( 1 );
				} );
				break;
			}
			catch (RuntimeException e) {
				assertTrue( isOptimisticLockFailure( e ), e.toString() );
				refusals++;
				assertTrue( System.nanoTime() - start < bound, "node B's commit was still refused after 10 s ("
						+ refusals + " refusals), with node A's max_delay_ms at 60 s: " + e );
			}
		}
		long elapsed = System.nanoTime() - start;
		System.out.printf( "[%s] %s: node B's commit went through %.1f ms after it began, after %d refusal(s)%n",
				getClass().getSimpleName(), readBefore ? "stale read" : "no earlier read", elapsed / 1e6, refusals );
		assertTrue( elapsed < bound, "node B committed " + elapsed / 1_000_000 + " ms after it began" );
		assertTrue( refusals >= 1, "node B's first commit was based on the version node A replaced" );
		assertEquals( 1, read[0], "node B's commit built on node A's write" );
		assertEquals( 1, count( "select node0 from wb_cluster_counter where id = 1" ),
				"node A's write reached the database without a flush() and long before its max_delay_ms" );
		assertEquals( 1, clusterStats( nodeA ).leaseHandOvers() );
		WriteBehind.of( nodeB ).flush();
		assertEquals( 1, count( "select count(*) from wb_cluster_counter where id = 1 and total = 2 and node0 = 1 "
				+ "and node1 = 1" ) );
		assertEquals( 0, WriteBehind.of( nodeA ).failedWrites().size() + WriteBehind.of( nodeB ).failedWrites().size()
				+ WriteBehind.of( nodeA ).stats().conflicts() + WriteBehind.of( nodeB ).stats().conflicts() );
	}

	@Test
	void aCommitOnABucketAnotherNodeHoldsFailsAfterTheWaitNamingTheHolder_thenTakesItOnceExpired() {
		EntityManagerFactory nodeB = node( Map.of( WriteBehindSettings.CLUSTER_LEASE_WAIT_MS, "300" ) );
		counters( emf, 1 );
		int bucket = coherence( nodeB ).leaseBucket( region( nodeB ), 1L );
		// a node that never answers holds the bucket, for a long time by the database's clock
		update( "update " + leaseTable() + " set owner = 'ghost', epoch = epoch + 1, expires_at = 9000000000000 "
				+ "where entity_name = ? and bucket = ?", ClusterCounter.class.getName(), bucket );
		long start = System.nanoTime();
		RuntimeException refused = assertThrows( RuntimeException.class,
				() -> inTransaction( nodeB, em -> em.find( ClusterCounter.class, 1L ).increment( 1 ) ) );
		long waited = TimeUnit.NANOSECONDS.toMillis( System.nanoTime() - start );
		assertTrue( isOptimisticLockFailure( refused ), refused.toString() );
		String message = causes( refused );
		assertTrue( message.contains( "ghost" ) && message.contains( WriteBehindSettings.CLUSTER_LEASE_WAIT_MS )
				&& message.contains( ClusterCounter.class.getName() ), message );
		assertTrue( waited >= 300, "waited " + waited + " ms" );
		// the ghost's lease expires: the next commit takes it, at the next epoch
		long epoch = count( "select epoch from " + leaseTable() + " where entity_name = ? and bucket = ?",
				ClusterCounter.class.getName(), bucket );
		update( "update " + leaseTable() + " set expires_at = 0 where entity_name = ? and bucket = ?",
				ClusterCounter.class.getName(), bucket );
		inTransaction( nodeB, em -> em.find( ClusterCounter.class, 1L ).increment( 1 ) );
		assertEquals( epoch + 1, count( "select epoch from " + leaseTable() + " where entity_name = ? and bucket = ?",
				ClusterCounter.class.getName(), bucket ) );
		WriteBehind.of( nodeB ).flush();
		assertEquals( 1, count( "select total from wb_cluster_counter where id = 1" ) );
	}

	@Test
	void aLeaseInUseIsRenewedInTheBackgroundAndNeverTakenAgain() {
		EntityManagerFactory nodeB = node( Map.of( WriteBehindSettings.CLUSTER_LEASE_TTL_MS, "400" ) );
		counters( nodeB, 1 ); // node B takes the bucket
		int bucket = coherence( nodeB ).leaseBucket( region( nodeB ), 1L );
		long epoch = count( "select epoch from " + leaseTable() + " where entity_name = ? and bucket = ?",
				ClusterCounter.class.getName(), bucket );
		long commits = 0;
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos( 20 );
		while ( clusterStats( nodeB ).leasesRenewed() < 3 ) {
			assertTrue( System.nanoTime() < deadline, "renewed " + clusterStats( nodeB ).leasesRenewed() + " times" );
			inTransaction( nodeB, em -> em.find( ClusterCounter.class, 1L ).increment( 1 ) );
			commits++;
		}
		assertEquals( epoch, count( "select epoch from " + leaseTable() + " where entity_name = ? and bucket = ?",
				ClusterCounter.class.getName(), bucket ), "the same owner all along" );
		assertEquals( 0, clusterStats( nodeB ).leaseHandOvers() );
		WriteBehind.of( nodeB ).flush();
		assertEquals( commits, count( "select total from wb_cluster_counter where id = 1" ) );
		System.out.printf( "[%s] %d commits on one bucket with leases of 400 ms: taken %d time(s), renewed %d%n",
				getClass().getSimpleName(), commits, clusterStats( nodeB ).leasesAcquired(),
				clusterStats( nodeB ).leasesRenewed() );
	}

	/**
	 * Node A holds a bucket with a pending write; its lease is taken from it (expired in the table, as after a pause or
	 * a cut from the database longer than the lease) and node B commits on the id. A's flush comes first: it is fenced
	 * out and reported as a CONFLICT failed write, and B's write lands (without fencing A's stale write would have
	 * landed and B's been refused at flush).
	 */
	@Test
	void aDeposedOwnersFlushIsFencedAndReported_theNewOwnersWriteLands() {
		EntityManagerFactory nodeB = node( Map.of() );
		awaitListening( emf );
		counters( emf, 1 );
		inTransaction( em -> em.find( ClusterCounter.class, 1L ).increment( 0 ) ); // pending on node A, version 0 -> 1
		int bucket = coherence( emf ).leaseBucket( region( emf ), 1L );
		assertEquals( 1, update( "update " + leaseTable() + " set expires_at = 0 where entity_name = ? and bucket = ?",
				ClusterCounter.class.getName(), bucket ), "node A's lease row" );
		coherence( emf ).expireLeasesForTest(); // node A's local validity ended before the database's expiry
		// node B takes the expired lease at once (no hand-over: node A is not asked), reads the row, commits
		inTransactionRetrying( nodeB, em -> em.find( ClusterCounter.class, 1L ).increment( 1 ) );
		assertEquals( 0, clusterStats( emf ).leaseHandOvers() );
		assertEquals( 0, count( "select total from wb_cluster_counter where id = 1" ), "nothing flushed yet" );
		// node A's flush first: fenced out, reported, nothing written
		writeBehind().flush();
		assertEquals( 1, writeBehind().failedWrites().size(), "node A's write is reported" );
		assertEquals( io.writebehind.FailedWrite.Reason.CONFLICT, writeBehind().failedWrites().get( 0 ).reason() );
		assertEquals( 1, writeBehind().stats().conflicts() );
		assertEquals( 0, count( "select version from wb_cluster_counter where id = 1" ), "nothing landed" );
		WriteBehind.of( nodeB ).flush();
		assertEquals( 1, count( "select count(*) from wb_cluster_counter where id = 1 and total = 1 and node0 = 0 "
				+ "and node1 = 1" ), "node B's write landed" );
		assertEquals( 0, WriteBehind.of( nodeB ).failedWrites().size() );
		// node A takes the bucket back (a hand-over from B) and builds on B's write
		inTransactionRetrying( emf, em -> em.find( ClusterCounter.class, 1L ).increment( 0 ) );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_cluster_counter where id = 1 and total = 2 and node0 = 1 "
				+ "and node1 = 1" ) );
	}

	/**
	 * As above, but node A takes the bucket back before its stale write was flushed: the write is doomed (fenced at
	 * flush), and a commit of node A on that id is refused until it is.
	 */
	@Test
	void aStalePendingWriteOfABucketTakenBackIsFencedAndNotBuiltOn() {
		EntityManagerFactory nodeB = node( Map.of() );
		awaitListening( emf );
		counters( emf, 1 );
		inTransaction( em -> em.find( ClusterCounter.class, 1L ).increment( 0 ) ); // pending on node A
		int bucket = coherence( emf ).leaseBucket( region( emf ), 1L );
		update( "update " + leaseTable() + " set expires_at = 0 where entity_name = ? and bucket = ?",
				ClusterCounter.class.getName(), bucket );
		coherence( emf ).expireLeasesForTest();
		inTransactionRetrying( nodeB, em -> em.find( ClusterCounter.class, 1L ).increment( 1 ) );
		WriteBehind.of( nodeB ).flush(); // node B's write lands: total 1, node1 1, version 1
		coherence( nodeB ).expireLeasesForTest();
		update( "update " + leaseTable() + " set expires_at = 0 where entity_name = ? and bucket = ?",
				ClusterCounter.class.getName(), bucket );
		// node B's lease ran out too, and node A, whose commits on the bucket had stopped, commits on it again
		RuntimeException refused = assertThrows( RuntimeException.class,
				() -> inTransaction( em -> em.find( ClusterCounter.class, 1L ).increment( 0 ) ) );
		assertTrue( isOptimisticLockFailure( refused ), refused.toString() );
		writeBehind().flush();
		assertEquals( 1, writeBehind().failedWrites().size(), "node A's stale write is reported" );
		assertEquals( 1, count( "select count(*) from wb_cluster_counter where id = 1 and total = 1 and node1 = 1" ),
				"node B's write stays" );
		inTransactionRetrying( emf, em -> em.find( ClusterCounter.class, 1L ).increment( 0 ) );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_cluster_counter where id = 1 and total = 2 and node0 = 1 "
				+ "and node1 = 1" ) );
	}

	@Test
	void aClosedNodeReleasesItsLeases_anotherNodeTakesThemAtOnce() {
		EntityManagerFactory nodeB = node( Map.of( WriteBehindSettings.MAX_DELAY_MS, "20" ) );
		counters( nodeB, 8 ); // node B takes the buckets of ids 1..8
		nodeB.close();
		assertEquals( 0, count( "select count(*) from " + leaseTable() + " where expires_at > 0" ),
				"node B gave its leases up" );
		EntityManagerFactory nodeC = node( Map.of( WriteBehindSettings.CLUSTER_LEASE_WAIT_MS, "0" ) );
		for ( long id = 1; id <= 8; id++ ) {
			long counter = id;
			inTransaction( nodeC, em -> em.find( ClusterCounter.class, counter ).increment( 2 ) ); // no wait needed
		}
		WriteBehind.of( nodeC ).flush();
		assertEquals( 8, count( "select sum(node2) from wb_cluster_counter" ) );
	}

	protected static EntityRegion region(EntityManagerFactory node) {
		return runtime( node ).regionOf( ClusterCounter.class.getName() );
	}


	private static String causes(Throwable e) {
		StringBuilder text = new StringBuilder();
		for ( Throwable cause = e; cause != null; cause = cause.getCause() ) {
			text.append( cause ).append( " / " );
		}
		return text.toString();
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
