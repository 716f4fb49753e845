package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.writebehind.FailedWrite;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.journal.JournalSupport;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.testing.CountingConnectionProvider;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 17: {@code cluster.version_check=lease} with a journal ({@code journal.dir}), several nodes in this JVM on the
 * suite's database; the subclasses choose the channel. A crash is played as {@code JournalTest} plays it: the journal
 * directory is copied while the node runs (the image a kill -9 leaves, the node's identity file included), then the
 * node is closed with its database connections down, so that nothing more of it reaches the database (its leases are
 * not given up either), and a new node starts on the copy.
 */
abstract class LeaseJournalTestBase extends ClusterNodesTestBase {

	@TempDir
	Path temp;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { ClusterCounter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		super.properties( properties );
		properties.put( WriteBehindSettings.CLUSTER_VERSION_CHECK, "lease" );
		properties.put( WriteBehindSettings.CLUSTER_LEASE_WAIT_MS, "200" );
		properties.put( WriteBehindSettings.MAX_DELAY_MS, "20" );
	}

	private static final String LEASES = WriteBehindSettings.DEFAULT_CLUSTER_LEASE_TABLE;

	/** A node with a journal in {@code dir}; its writes stay pending (max delay 10 min) unless flushed. */
	private EntityManagerFactory journaledNode(Path dir, Map<String, Object> more) {
		Map<String, Object> settings = new HashMap<>( more );
		settings.put( WriteBehindSettings.JOURNAL_DIR, dir.toString() );
		settings.put( WriteBehindSettings.JOURNAL_FSYNC, "NEVER" );
		settings.put( WriteBehindSettings.MAX_DELAY_MS, "600000" );
		settings.put( WriteBehindSettings.SHUTDOWN_TIMEOUT_MS, "300" );
		settings.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "10" );
		settings.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "50" );
		settings.putIfAbsent( WriteBehindSettings.CLUSTER_LEASE_TTL_MS, "300" );
		return node( settings );
	}

	/**
	 * Copies the node's journal as it is now (what a kill -9 leaves), then ends the node without it writing anything
	 * more to the database; returns the copy.
	 */
	private Path crash(EntityManagerFactory node, CountingConnectionProvider provider, Path journal) throws IOException {
		Path image = temp.resolve( "image-" + UUID.randomUUID() );
		Files.createDirectories( image );
		try ( Stream<Path> files = Files.list( journal ) ) {
			for ( Path file : files.toList() ) {
				if ( !file.getFileName().toString().equals( "lock" ) ) {
					Files.copy( file, image.resolve( file.getFileName() ) );
				}
			}
		}
		provider.down( true );
		node.close();
		provider.down( false );
		return image;
	}

	private static EntityRegion region(EntityManagerFactory node) {
		return runtime( node ).regionOf( ClusterCounter.class.getName() );
	}

	/** The lease buckets of ids 1..ids. */
	private static Set<Integer> bucketsOf(EntityManagerFactory node, int ids) {
		Set<Integer> buckets = new TreeSet<>();
		for ( long id = 1; id <= ids; id++ ) {
			buckets.add( coherence( node ).leaseBucket( region( node ), id ) );
		}
		return buckets;
	}

	private long dirtyRowsOf(String owner) {
		return count( "select count(*) from " + LEASES + " where owner = ? and dirty_ms > 0", owner );
	}

	/** Increments the counters 1..ids once each on {@code node} (column {@code column}), retrying refusals. */
	private static void incrementAll(EntityManagerFactory node, int ids, int column) {
		for ( long id = 1; id <= ids; id++ ) {
			long counter = id;
			inTransactionRetrying( node, em -> em.find( ClusterCounter.class, counter ).increment( column ) );
		}
	}

	/**
	 * Node A (journaled) holds pending writes on four ids when it is killed. Its lease rows are dirty, so node B cannot
	 * take those buckets once the leases expired (it is refused within {@code cluster.claim_ttl_ms}, the orphan
	 * period); A restarts on its journal with the same identity, takes its leases back, replays and flushes; then B
	 * gets the buckets by hand-over and builds on A's writes. Every committed increment is in the database.
	 */
	@Test
	void aKilledJournaledNodesBucketsAreNotTakenByExpiry_itsRestartReplaysThemAndHandsThemOver() throws IOException {
		int ids = 4;
		LeaseTestBase.counters( emf, ids ); // node B (the test's node, no journal) persists them, and holds their buckets
		Path journal = temp.resolve( "journal-a" );
		EntityManagerFactory nodeA = journaledNode( journal, Map.of() );
		CountingConnectionProvider providerA = providers.get( providers.size() - 1 );
		String idA = coherence( nodeA ).nodeId();
		assertEquals( idA, Files.readString( journal.resolve( JournalSupport.NODE_ID_FILE ) ).trim(),
				"the node's identity is kept in its journal directory" );
		incrementAll( nodeA, ids, 1 ); // B hands the buckets over; A's writes stay pending
		assertEquals( ids, WriteBehind.of( nodeA ).stats().pending() );
		Set<Integer> buckets = bucketsOf( nodeA, ids );
		assertEquals( buckets.size(), dirtyRowsOf( idA ), "A's rows are dirty: it holds journaled, unwritten writes" );

		Path image = crash( nodeA, providerA, journal );
		assertEquals( 0, count( "select sum(node1) from wb_cluster_counter" ), "A's writes were not flushed" );
		assertEquals( buckets.size(), dirtyRowsOf( idA ), "the crash gave nothing up" );

		// node B's commits on those ids are refused, also once A's leases expired by the database's clock (waiting for
		// that is the point: not a fixed sleep, each attempt waits lease_wait_ms for A)
		long start = System.nanoTime();
		int refusals = 0;
		while ( System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos( 3 * 300 + 500 ) || refusals < 3 ) {
			RuntimeException refused = assertThrows( RuntimeException.class, () -> inTransaction( emf,
					em -> em.find( ClusterCounter.class, 1L ).increment( 0 ) ), "node B took a killed journaled "
							+ "node's dirty bucket by expiry" );
			assertTrue( isOptimisticLockFailure( refused ), refused.toString() );
			refusals++;
		}
		assertEquals( buckets.size(), count( "select count(*) from " + LEASES + " where owner = ? and dirty_ms > 0", idA ),
				"A still owns its dirty buckets" );
		// (the database runs on this machine: its clock is this JVM's)
		assertTrue( count( "select max(expires_at) from " + LEASES + " where owner = ?", idA ) < System.currentTimeMillis(),
				"A's leases had expired by the database's clock while B was refused" );

		// A restarts on its journal: the same identity, its leases back, its replayed writes flushed
		EntityManagerFactory restarted = journaledNode( image, Map.of() );
		assertEquals( idA, coherence( restarted ).nodeId() );
		assertEquals( ids, WriteBehind.of( restarted ).stats().pending(), "replayed" );
		assertTrue( WriteBehind.of( restarted ).flush( Duration.ofSeconds( 30 ) ) );
		assertEquals( List.of(), WriteBehind.of( restarted ).failedWrites() );
		assertEquals( ids, count( "select sum(node1) from wb_cluster_counter" ), "A's acknowledged writes landed" );
		// B now gets the buckets (by hand-over, or by expiry once A's keeper cleared the rows: A wrote them) and builds
		// on A's writes
		incrementAll( emf, ids, 0 );
		assertEquals( buckets.size(), count( "select count(*) from " + LEASES + " where owner = ?",
				coherence( emf ).nodeId() ), "B holds the buckets" );
		writeBehind().flush();
		assertEquals( 2L * ids, count( "select sum(total) from wb_cluster_counter" ) );
		assertEquals( ids, count( "select count(*) from wb_cluster_counter where total = 2 and node0 = 1 and node1 = 1" ) );
		assertEquals( 0, writeBehind().failedWrites().size() + writeBehind().stats().conflicts() );
		assertEquals( 0, WriteBehind.of( restarted ).stats().conflicts() );
	}

	/**
	 * As above, but A stays down longer than its orphan period ({@code cluster.claim_ttl_ms}): node B takes the buckets
	 * and writes the ids. A's replayed writes of them are fenced out when it restarts, and reported as CONFLICT failed
	 * writes (counted), never written over B's rows.
	 */
	@Test
	void afterTheOrphanPeriodAnotherNodeTakesTheBuckets_theRestartedNodesReplayedWritesAreFencedAndReported()
			throws IOException {
		int ids = 4;
		LeaseTestBase.counters( emf, ids );
		Path journal = temp.resolve( "journal-a" );
		EntityManagerFactory nodeA = journaledNode( journal, Map.of( WriteBehindSettings.CLUSTER_CLAIM_TTL_MS, "300" ) );
		CountingConnectionProvider providerA = providers.get( providers.size() - 1 );
		incrementAll( nodeA, ids, 1 );
		Path image = crash( nodeA, providerA, journal );
		// once A's leases expired and the orphan period passed, B takes them (retrying the refusals meanwhile)
		incrementAll( emf, ids, 0 );
		writeBehind().flush();
		assertEquals( ids, count( "select count(*) from wb_cluster_counter where total = 1 and node0 = 1 and node1 = 0" ) );

		EntityManagerFactory restarted = journaledNode( image, Map.of() );
		WriteBehind wb = WriteBehind.of( restarted );
		assertTrue( wb.flush( Duration.ofSeconds( 30 ) ) );
		List<FailedWrite> failed = wb.failedWrites();
		assertEquals( ids, failed.size(), "every replayed write is reported: " + failed );
		for ( FailedWrite write : failed ) {
			assertEquals( FailedWrite.Reason.CONFLICT, write.reason() );
		}
		assertEquals( ids, wb.stats().conflicts() );
		assertEquals( ids, count( "select count(*) from wb_cluster_counter where total = 1 and node0 = 1 and node1 = 0" ),
				"B's writes stay" );
		// the restarted node works on: it takes the buckets from B and builds on B's rows
		incrementAll( restarted, ids, 1 );
		assertTrue( wb.flush( Duration.ofSeconds( 30 ) ) );
		assertEquals( ids, count( "select count(*) from wb_cluster_counter where total = 2 and node0 = 1 and node1 = 1" ) );
		assertEquals( ids, wb.failedWrites().size(), "no more failures" );
	}

	/**
	 * The dirty marker's race: commits into buckets whose rows are dirty but hold no pending write (just flushed)
	 * against the keeper's clear of those rows. After each round, every bucket with a pending write must be dirty in
	 * the table (else a crash then would let another node take it by expiry, over the journaled write). Without the
	 * keeper's second look at the commits in flight and the pending writes (after it reset its flag), a commit that read
	 * the flag just before is missed.
	 */
	@Test
	void aBucketWithAPendingWriteIsNeverCleanInTheTable_commitsAgainstTheKeepersClear() throws Exception {
		int threads = 4;
		int ids = 64;
		LeaseTestBase.counters( emf, ids );
		EntityManagerFactory nodeA = journaledNode( temp.resolve( "journal-a" ),
				Map.of( WriteBehindSettings.CLUSTER_LEASE_TTL_MS, "60000" ) );
		// ids of distinct buckets, one per thread
		List<Long> chosen = new ArrayList<>();
		Set<Integer> seen = new TreeSet<>();
		for ( long id = 1; id <= ids && chosen.size() < threads; id++ ) {
			if ( seen.add( coherence( nodeA ).leaseBucket( region( nodeA ), id ) ) ) {
				chosen.add( id );
			}
		}
		assertEquals( threads, chosen.size() );
		for ( long id : chosen ) {
			inTransactionRetrying( nodeA, em -> em.find( ClusterCounter.class, id ).increment( 1 ) );
		}
		String idA = coherence( nodeA ).nodeId();
		CyclicBarrier barrier = new CyclicBarrier( threads + 1 );
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		// up to 400 rounds, or fewer (at least 100) when the database is slow: without either look of the keeper the
		// test failed within its first 3 rounds
		int rounds = 0;
		long committed = threads;
		long until = System.nanoTime() + TimeUnit.SECONDS.toNanos( 20 );
		for ( int round = 0; round < 400 && ( round < 100 || System.nanoTime() - until < 0 ); round++ ) {
			rounds++;
			assertTrue( WriteBehind.of( nodeA ).flush( Duration.ofSeconds( 30 ) ) ); // rows dirty, nothing pending
			List<Thread> workers = new ArrayList<>();
			for ( int t = 0; t < threads; t++ ) {
				long id = chosen.get( t );
				Thread worker = new Thread( () -> {
					try {
						barrier.await( 30, TimeUnit.SECONDS );
						inTransaction( nodeA, em -> em.find( ClusterCounter.class, id ).increment( 1 ) );
					}
					catch (Throwable e) {
						errors.add( e );
					}
				}, "committer-" + t );
				workers.add( worker );
				worker.start();
			}
			barrier.await( 30, TimeUnit.SECONDS );
			// a pause of up to 2 ms between the keeper's look for unused buckets and its clear: the commits fall
			// before it, into it, or after it
			long pause = ThreadLocalRandom.current().nextLong( 2_000_000 );
			coherence( nodeA ).clearDirtyLeasesForTest( () -> LockSupport.parkNanos( pause ) );
			for ( Thread worker : workers ) {
				worker.join( 30_000 );
			}
			assertEquals( List.of(), errors );
			committed += threads;
			// every bucket with a pending write is dirty in the table
			Set<Integer> pendingBuckets = new TreeSet<>();
			region( nodeA ).pendingIds().forEach( id -> pendingBuckets.add( coherence( nodeA ).leaseBucket(
					region( nodeA ), id ) ) );
			Set<Integer> dirty = new TreeSet<>();
			jdbc( c -> {
				try ( java.sql.PreparedStatement ps = c.prepareStatement( "select bucket from " + LEASES + " where owner = ? "
						+ "and dirty_ms > 0" ) ) {
					ps.setString( 1, idA );
					try ( java.sql.ResultSet rs = ps.executeQuery() ) {
						while ( rs.next() ) {
							dirty.add( rs.getInt( 1 ) );
						}
					}
				}
				return null;
			} );
			assertTrue( dirty.containsAll( pendingBuckets ), "round " + round + ": buckets with a pending write "
					+ pendingBuckets + ", but only " + dirty + " are dirty in the table" );
		}
		System.out.printf( "[%s] dirty marker race: %d rounds of %d commits against the keeper's clear%n",
				getClass().getSimpleName(), rounds, threads );
		assertTrue( WriteBehind.of( nodeA ).flush( Duration.ofSeconds( 30 ) ) );
		assertEquals( committed, count( "select sum(node1) from wb_cluster_counter" ) );
		assertEquals( 0, WriteBehind.of( nodeA ).failedWrites().size() );
		// and once nothing is pending, the keeper's clear leaves the rows clean
		coherence( nodeA ).clearDirtyLeasesForTest( null );
		assertEquals( 0, dirtyRowsOf( idA ) );
	}

}
