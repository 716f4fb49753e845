package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.h2.tools.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.testing.Await;
import io.writebehind.testing.ChildJvm;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.FreezableProxy;
import io.writebehind.testing.NetworkNamespace;
import io.writebehind.testing.RedisServerProcess;
import io.writebehind.testing.TestDatabase;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

import io.writebehind.testing.NeedsServers;

/**
 * Issue 17, point 4: {@code cluster.version_check=lease} under faults, with real processes and a real network. Three
 * application nodes, each in a JVM of its own ({@link ClusterNodeChild}, no journal), on the suite's database, with a
 * test-owned {@code redis-server} ({@link RedisServerProcess}) as the channel, increment eight hot ids (two threads
 * per node, retrying optimistic-lock failures; each node counts its increments in a column of its own and prints this
 * count with every acknowledged commit). Node 2 of the partition tests runs in a network namespace of its own
 * ({@link NetworkNamespace}): it reaches the database and Redis through {@link FreezableProxy} instances on two
 * separate links, which the test cuts like a partition does (packets vanish).
 * <p>
 * Every test ends the same way: every node flushes, and per id and node the database holds exactly the acknowledged
 * increments, except those of writes the node reported as failed (fenced out: the reported write's count and the
 * acknowledged counts show exactly which increments those were; nothing is dropped silently, nothing appears that was
 * not acknowledged), and every node then serves the database's rows. Lease time 3 s: a node stops renewing when its
 * channel has not listened for 1.5 s, and another node may take its buckets once they expired in the database.
 * <p>
 * On H2 the nodes share the test's in-memory database through an H2 TCP server in this JVM. The children's standard
 * error is kept under target/lease-faults/.
 */
@NeedsServers
class LeaseFaultsTest extends WriteBehindTestBase {

	private static final int NODES = 3;
	private static final int THREADS = 2;
	private static final int IDS = 8;
	/** The node that is cut off in the partition tests. */
	private static final int CUT = 2;
	private static final long TTL_MS = 3_000;
	/** Pacing of the load phases (not assertions). */
	private static final long RUN_MS = 1_500;

	private final String channelName = "wblf_" + UUID.randomUUID().toString().replace( "-", "" ).substring( 0, 12 );
	private final List<Child> children = new CopyOnWriteArrayList<>();
	private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
	private Server h2Server;
	private RedisServerProcess redis;
	private Path dir;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { ClusterCounter.class };
	}

	/** Children, proxies, the namespace, Redis, the H2 server: all of them, even when one fails to close. */
	@AfterEach
	void cleanUp() throws Exception {
		for ( Child child : children ) {
			child.process.destroyForcibly();
		}
		for ( Child child : children ) {
			child.process.waitFor( 30, TimeUnit.SECONDS );
		}
		Exception failure = null;
		List<AutoCloseable> reversed = new ArrayList<>( resources );
		Collections.reverse( reversed );
		for ( AutoCloseable resource : reversed ) {
			try {
				resource.close();
			}
			catch (Exception e) {
				failure = e;
			}
		}
		if ( h2Server != null ) {
			h2Server.stop();
		}
		if ( failure != null ) {
			throw failure;
		}
	}

	// ---------------------------------------------------------------- the tests

	/**
	 * Redis is killed mid-run and, 3 s later (longer than half the lease time: the nodes stop renewing, so their leases
	 * expire and are taken again in the database), started again on the same port. The nodes commit during the outage,
	 * and every node commits after it; nothing is lost, no write fails, no conflict.
	 */
	@Test
	void redisStoppedAndRestartedLosesNothing() throws Exception {
		Child[] nodes = boot( null, false );
		go( nodes );
		Thread.sleep( RUN_MS ); // pacing
		long[] beforeOutage = acked( nodes );
		redis.stop();
		long stoppedAt = System.nanoTime();
		Thread.sleep( 3_000 ); // pacing: an outage longer than half the lease time
		// the nodes commit while Redis is down (on buckets they hold, or take once expired)
		awaitProgress( nodes, beforeOutage, false, "any node commits while Redis is down" );
		long[] duringOutage = acked( nodes );
		redis.restart();
		long restartedAt = System.nanoTime();
		Thread.sleep( RUN_MS ); // pacing
		// and every node commits once it is back
		awaitProgress( nodes, duringOutage, true, "every node commits after Redis is back" );
		long[] afterRestart = acked( nodes );
		String phases = String.format( "acknowledged per node before the outage %s, at its end %s (%.1f s), "
				+ "%.1f s after the restart %s", java.util.Arrays.toString( beforeOutage ),
				java.util.Arrays.toString( duringOutage ), ( restartedAt - stoppedAt ) / 1e9, RUN_MS / 1e3,
				java.util.Arrays.toString( afterRestart ) );
		System.out.println( "[LeaseFaultsTest] Redis stopped and restarted on " + database + ": " + phases );
		finish( nodes, List.of(), phases );
	}

	/**
	 * Node 2's link to Redis is cut (it still reaches the database): it no longer hears hand-over requests, so once its
	 * channel has not listened for half the lease time it stops renewing, its leases expire in the database, and the
	 * other nodes take its buckets there: within a bound (the PING timeout, about 3 s, plus half the lease time plus the
	 * lease time) the other nodes commit on every hot id again. Then the link is mended. Nothing acknowledged is lost;
	 * nodes 0 and 1 report no failed write (node 2 flushes its writes at once while deaf, so that they reach the
	 * database under its lease; any of its writes that did not would be fenced and reported, and counted exactly).
	 */
	@Test
	void aNodeCutOffFromTheChannelLetsTheOthersTakeItsBuckets() throws Exception {
		Partition partition = new Partition();
		Child[] nodes = boot( partition, false );
		go( nodes );
		Thread.sleep( RUN_MS ); // pacing
		awaitCommitting( nodes[CUT] );
		partition.channel.cut();
		long cutAt = System.nanoTime();
		String recovery = awaitOthersCommitOnEveryId( nodes, cutAt, Duration.ofSeconds( 25 ) );
		Thread.sleep( 1_000 ); // pacing: the others go on, node 2 is still cut off
		partition.channel.mend();
		Thread.sleep( RUN_MS ); // pacing: all together again
		finish( nodes, List.of( CUT ), recovery );
	}

	/**
	 * Node 2's links to Redis and to the database are both cut: it can neither renew nor hear requests. It must commit
	 * nothing once its leases' local validity ended (at most the lease time after the cut: nothing acknowledged from
	 * {@code cut + lease time} on); the other nodes take its buckets after they expired in the database and commit on
	 * every id. Then both links are mended: node 2's pending writes of buckets taken meanwhile are fenced out and
	 * reported as failed writes, and the database holds exactly the acknowledged increments less those reported.
	 */
	@Test
	void aNodeCutOffFromEverythingStopsCommittingAndItsFencedWritesAreReported() throws Exception {
		Partition partition = new Partition();
		Child[] nodes = boot( partition, true );
		go( nodes );
		Thread.sleep( RUN_MS ); // pacing
		// right after one of its commits returned and while it holds pending writes (max_delay_ms is 2 s, but a
		// hand-over request makes it flush at once: a commit alone does not say a write is still pending at the cut)
		awaitPendingWrites( nodes[CUT] );
		partition.channel.cut();
		partition.database.cut();
		long cutAt = System.nanoTime();
		long[] atCut = acked( nodes );
		// the bound: the lease time after the cut, no lease of node 2 is valid locally any more (plus a little for a
		// commit that passed its check just before and prints its line after)
		long boundAt = cutAt + TimeUnit.MILLISECONDS.toNanos( TTL_MS + 500 );
		String recovery = awaitOthersCommitOnEveryId( nodes, cutAt, Duration.ofSeconds( 25 ) );
		long untilBound = boundAt - System.nanoTime();
		if ( untilBound > 0 ) {
			Thread.sleep( TimeUnit.NANOSECONDS.toMillis( untilBound ) + 1 ); // pacing: up to the bound
		}
		long[] atBound = acked( nodes );
		Thread.sleep( 2_000 ); // pacing: the others go on; node 2 must not commit
		long[] later = acked( nodes );
		// what node 2 still holds while its database link is cut: writes that cannot have reached the database since
		// (a hand-over request may have made it flush the others just before the cut)
		long stillPending = nodes[CUT].pending();
		String bound = String.format( "node 2 acknowledged %d increments before the cut, %d by the bound (the lease time, "
				+ "%d ms, after the cut), %d 2 s later, and held %d pending writes then; %s", atCut[CUT], atBound[CUT],
				TTL_MS, later[CUT], stillPending, recovery );
		System.out.println( "[LeaseFaultsTest] fully cut off on " + database + ": " + bound );
		assertEquals( atBound[CUT], later[CUT], "node 2, cut off from the database and the channel, committed after "
				+ "its leases' local validity had ended; " + bound );
		partition.channel.mend();
		partition.database.mend();
		Thread.sleep( RUN_MS ); // pacing: all together again
		long fenced = finish( nodes, List.of( CUT ), bound );
		// its writes still pending while cut off are of buckets the others took meanwhile (they committed on every
		// id): they must be fenced out and reported (finish checked that the database holds exactly the acknowledged
		// increments less those reported); with none left (all flushed just before the cut) there is nothing to fence
		System.out.println( "[LeaseFaultsTest] fully cut off: " + stillPending + " writes of node 2 pending while cut off, "
				+ fenced + " reported" );
		assertTrue( stillPending == 0 || fenced > 0, "node 2 held pending writes of buckets the others took "
				+ "meanwhile: they must be fenced out and reported; " + bound );
	}

	// ---------------------------------------------------------------- the network of node 2

	/** Node 2's namespace, with a link to the database and one to Redis, each with a proxy on the machine's end. */
	private final class Partition {
		final NetworkNamespace namespace;
		final NetworkNamespace.Link database;
		final NetworkNamespace.Link channel;

		Partition() {
			// fails (never skips) when ip netns cannot work here, saying why
			namespace = NetworkNamespace.create();
			resources.add( namespace );
			database = namespace.link();
			channel = namespace.link();
		}

		/** The JDBC URL of node 2: through a proxy on its database link to the server the others use. */
		String databaseUrl(String url) throws IOException {
			int start = url.indexOf( "//" ) + 2;
			int end = url.indexOf( '/', start );
			String hostPort = url.substring( start, end );
			int colon = hostPort.lastIndexOf( ':' );
			String host = colon < 0 ? hostPort : hostPort.substring( 0, colon );
			int port = colon >= 0 ? Integer.parseInt( hostPort.substring( colon + 1 ) )
					: LeaseFaultsTest.this.database == TestDatabase.MARIADB ? 3306 : 5432;
			FreezableProxy proxy = new FreezableProxy( database.hostAddress(), host, port );
			resources.add( proxy );
			String through = url.substring( 0, start ) + database.hostAddress().getHostAddress() + ":" + proxy.port()
					+ url.substring( end );
			// a statement sent just before the cut may never be answered (the proxy's side of the connection is gone,
			// and its reset is dropped): as over any network that can partition, the driver must time reads out
			String separator = through.contains( "?" ) ? "&" : "?";
			return switch ( LeaseFaultsTest.this.database ) {
				case POSTGRESQL -> through + separator + "socketTimeout=10&connectTimeout=5";
				case MARIADB -> through + separator + "socketTimeout=10000&connectTimeout=5000";
				case H2 -> through; // its TCP client times reads out itself
			};
		}

		/** The Redis URI of node 2: through a proxy on its channel link to the test's server. */
		String redisUri() throws IOException {
			FreezableProxy proxy = new FreezableProxy( channel.hostAddress(), "127.0.0.1", redis.port() );
			resources.add( proxy );
			return "redis://" + channel.hostAddress().getHostAddress() + ":" + proxy.port();
		}
	}

	// ---------------------------------------------------------------- phases

	/** Redis, the rows (and the lease table), and the three nodes, booted and listening; node 2 in the partition. */
	private Child[] boot(Partition partition, boolean slowFlushOfTheCutNode) throws Exception {
		long started = System.nanoTime();
		dir = Path.of( "target", "lease-faults", database.name().toLowerCase( Locale.ROOT ) + "-"
				+ UUID.randomUUID().toString().substring( 0, 8 ) ).toAbsolutePath();
		Files.createDirectories( dir );
		redis = RedisServerProcess.start();
		resources.add( redis );
		String url = childUrl();

		// a node in this JVM creates the lease table and the rows, then leaves (giving its leases up)
		Map<String, Object> settings = new HashMap<>();
		settings.put( "hibernate.hbm2ddl.auto", "none" );
		settings.putAll( clusterSettings() );
		CountingConnectionProvider provider = new CountingConnectionProvider( schema, true );
		EntityManagerFactory setup = buildFactory( provider, settings );
		try {
			inTransaction( setup, em -> {
				for ( long id = 1; id <= IDS; id++ ) {
					em.persist( new ClusterCounter( id ) );
				}
			} );
			assertTrue( WriteBehind.of( setup ).flush( Duration.ofSeconds( 60 ) ) );
		}
		finally {
			setup.close();
			provider.closeAll();
		}

		Child[] nodes = new Child[NODES];
		for ( int n = 0; n < NODES; n++ ) {
			nodes[n] = partition != null && n == CUT
					? new Child( n, partition.databaseUrl( url ), partition.redisUri(), partition.namespace,
							slowFlushOfTheCutNode ? List.of( WriteBehindSettings.MAX_DELAY_MS + "=2000" ) : List.of() )
					: new Child( n, url, redis.uri(), null, List.of() );
		}
		for ( Child child : nodes ) {
			child.await( "READY", 180 );
		}
		System.out.printf( "[LeaseFaultsTest] %s: Redis, the rows and three node JVMs up in %.1f s%n", database,
				( System.nanoTime() - started ) / 1e9 );
		return nodes;
	}

	private Map<String, String> clusterSettings() {
		return Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "redis",
				WriteBehindSettings.CLUSTER_REDIS_URI, redis.uri(),
				WriteBehindSettings.CLUSTER_CHANNEL_NAME, channelName,
				WriteBehindSettings.CLUSTER_VERSION_CHECK, "lease",
				WriteBehindSettings.CLUSTER_LEASE_TTL_MS, Long.toString( TTL_MS ) );
	}

	/** Waits (up to 30 s) until any node, or every node, acknowledged commits since {@code since}. */
	private static void awaitProgress(Child[] nodes, long[] since, boolean every, String what) {
		long[][] now = { since };
		Await.until( Duration.ofSeconds( 30 ), () -> what + ": acknowledged per node " + java.util.Arrays.toString( since )
				+ ", now " + java.util.Arrays.toString( now[0] ), () -> {
			try {
				now[0] = acked( nodes );
			}
			catch (Exception e) {
				throw new AssertionError( e );
			}
			int moved = 0;
			for ( int n = 0; n < NODES; n++ ) {
				moved += now[0][n] > since[n] ? 1 : 0;
			}
			return every ? moved == NODES : moved > 0;
		} );
	}

	/** Waits until the child acknowledged a commit and, asked right after it, holds a pending write. */
	private static void awaitPendingWrites(Child child) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos( 60 );
		while ( true ) {
			awaitCommitting( child );
			if ( child.pending() > 0 ) {
				return;
			}
			assertTrue( System.nanoTime() < deadline, child + " held no pending write after a commit within 60 s; "
					+ "its standard error:\n" + child.stderr() );
		}
	}

	/** Waits until the child acknowledged a commit since the previous look (it runs, and holds buckets now). */
	private static void awaitCommitting(Child child) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos( 60 );
		child.sync();
		long before = child.acked();
		while ( true ) {
			child.sync();
			long now = child.acked();
			if ( now > before ) {
				return;
			}
			assertTrue( System.nanoTime() < deadline, child + " acknowledged no commit within 60 s; its standard "
					+ "error:\n" + child.stderr() );
			before = now;
		}
	}

	private static void go(Child[] nodes) throws IOException {
		for ( Child child : nodes ) {
			child.send( "GO" );
		}
	}

	/**
	 * Waits until, within one second, nodes 0 and 1 acknowledged increments of every id (they hold, or took, node 2's
	 * buckets); says how long after the cut that was.
	 */
	private String awaitOthersCommitOnEveryId(Child[] nodes, long cutAt, Duration timeout) throws Exception {
		long[][] previous = { perId( nodes ) };
		long[] windowStart = { System.nanoTime() };
		String[] last = { "" };
		Await.until( timeout, () -> "nodes 0 and 1 commit on every hot id after node 2 was cut off (they must take its "
				+ "buckets once its leases expire); last second's increments per id of nodes 0+1: " + last[0], () -> {
			try {
				if ( System.nanoTime() - windowStart[0] < TimeUnit.SECONDS.toNanos( 1 ) ) {
					return false;
				}
				long[] now = perId( nodes );
				long[] delta = new long[IDS + 1];
				boolean all = true;
				for ( int id = 1; id <= IDS; id++ ) {
					delta[id] = now[id] - previous[0][id];
					all &= delta[id] > 0;
				}
				last[0] = java.util.Arrays.toString( java.util.Arrays.copyOfRange( delta, 1, IDS + 1 ) );
				previous[0] = now;
				windowStart[0] = System.nanoTime();
				return all;
			}
			catch (Exception e) {
				throw new AssertionError( e );
			}
		} );
		String text = String.format( "nodes 0 and 1 committed on every hot id %.1f s after the cut (increments per id in "
				+ "the last second: %s)", ( System.nanoTime() - cutAt ) / 1e9, last[0] );
		System.out.println( "[LeaseFaultsTest] " + database + ": " + text );
		return text;
	}

	/** Acknowledged increments per id of nodes 0 and 1, every line they printed so far read. */
	private long[] perId(Child[] nodes) throws Exception {
		long[] perId = new long[IDS + 1];
		for ( int n = 0; n < NODES; n++ ) {
			if ( n == CUT ) {
				continue;
			}
			nodes[n].sync();
			for ( int id = 1; id <= IDS; id++ ) {
				perId[id] += nodes[n].acked( id );
			}
		}
		return perId;
	}

	/** Acknowledged increments per node, every line printed so far read. */
	private static long[] acked(Child[] nodes) throws Exception {
		long[] acked = new long[NODES];
		for ( Child child : nodes ) {
			child.sync();
			for ( int id = 1; id <= IDS; id++ ) {
				acked[child.node] += child.acked( id );
			}
		}
		return acked;
	}

	private static long sum(long[] values) {
		long sum = 0;
		for ( long value : values ) {
			sum += value;
		}
		return sum;
	}

	/**
	 * Stops the load, flushes every node and checks the database against the acknowledged increments: per id and node
	 * exactly those acknowledged, less those of the writes the node reported as failed (fenced), which only the nodes
	 * {@code mayReport} may have; every failure of a commit other than optimistic locking only on those nodes; then
	 * every node serves the database's rows and exits cleanly.
	 */
	private long finish(Child[] nodes, List<Integer> mayReport, String phases) throws Exception {
		long stopping = System.nanoTime();
		for ( Child child : nodes ) {
			child.send( "STOP" );
		}
		String[][] dones = new String[NODES][];
		List<String> done = new ArrayList<>();
		for ( Child child : nodes ) {
			String reply = child.await( "DONE", 180 );
			dones[child.node] = reply.split( " " );
			done.add( child + ": " + reply );
		}
		long[][] rows = rows();
		StringBuilder table = new StringBuilder();
		for ( int id = 1; id <= IDS; id++ ) {
			table.append( String.format( "  id %d: total %d, node0 %d (acknowledged %d), node1 %d (acknowledged %d), "
					+ "node2 %d (acknowledged %d)%n", id, rows[id][0], rows[id][1], nodes[0].acked( id ), rows[id][2],
					nodes[1].acked( id ), rows[id][3], nodes[2].acked( id ) ) );
		}
		String where = phases + "; database rows:\n" + table + String.join( "\n", done );
		for ( Child child : nodes ) {
			if ( !child.failed.isEmpty() ) {
				where += "\n" + child + "'s failed writes:\n  " + String.join( "\n  ", child.failed );
			}
		}
		long reportedLost = 0;
		for ( int id = 1; id <= IDS; id++ ) {
			assertEquals( rows[id][1] + rows[id][2] + rows[id][3], rows[id][0], "id " + id
					+ ": total <> node0 + node1 + node2; " + where );
			for ( Child child : nodes ) {
				reportedLost += account( child, id, rows[id][child.node + 1], where );
			}
		}
		for ( Child child : nodes ) {
			String[] reply = dones[child.node];
			String failed = Integer.toString( child.failed.size() );
			assertEquals( "true", reply[1], child + " flushed within 60 s; " + where );
			assertEquals( failed, reply[2], child + ": failed writes <> FAILED lines; " + where );
			if ( !mayReport.contains( child.node ) ) {
				assertEquals( "0", reply[2], child + " reported failed writes; " + where + "\n" + child.stderr() );
				assertEquals( "0", reply[3], child + " had conflicts at flush; " + where );
				assertEquals( List.of(), child.errors, child + " failed commits otherwise than by optimistic locking; "
						+ "its standard error:\n" + child.stderr() );
			}
			else {
				// a fenced write is reported as a CONFLICT and counted among the conflicts, never resolved
				assertEquals( failed, reply[3], child + ": conflicts <> fenced writes reported (a write failed "
						+ "otherwise?); " + where + "\n" + child.stderr() );
				for ( String line : child.failed ) {
					assertEquals( "CONFLICT", line.split( " " )[2], child + " reported " + line + "; " + where );
				}
			}
		}
		System.out.printf( "[LeaseFaultsTest] %s: final flush %.1f s; %d increments in the database, %d acknowledged, "
				+ "%d of them in writes reported as fenced; %s%n%s", database, ( System.nanoTime() - stopping ) / 1e9, sum( rowsTotal( rows ) ), sumAcked( nodes ), reportedLost,
				String.join( "; ", done ), table );

		StringBuilder expect = new StringBuilder( "EXPECT" );
		for ( int id = 1; id <= IDS; id++ ) {
			expect.append( ' ' ).append( rows[id][0] );
		}
		for ( Child child : nodes ) {
			child.send( expect.toString() );
		}
		for ( Child child : nodes ) {
			String reply = child.await( "", 60 );
			assertTrue( reply.startsWith( "SERVED" ), child + " does not serve the database's rows after the flush: "
					+ reply + "; " + where );
		}
		for ( Child child : nodes ) {
			child.send( "EXIT" );
		}
		for ( Child child : nodes ) {
			assertTrue( child.process.waitFor( 60, TimeUnit.SECONDS ), child + " did not exit" );
			assertEquals( 0, child.process.exitValue(), child + " exit code; its standard error:\n" + child.stderr() );
		}
		return reportedLost;
	}

	/**
	 * One node's increments of one id: the counts it acknowledged are 1 to n along its successive commits; the database
	 * holds {@code inDatabase} of them (1 to inDatabase, each acknowledged), and every other acknowledged count belongs to
	 * a write the node reported as failed: a reported write holding count v lost the acknowledged counts v, v - 1, ...
	 * down to the count its successor commits built on again. Returns how many acknowledged increments were lost that
	 * way (reported).
	 */
	private static long account(Child child, int id, long inDatabase, String where) {
		List<Long> counts = new ArrayList<>( child.counts.get( id ) );
		Map<Long, Integer> left = new HashMap<>();
		for ( long count : counts ) {
			left.merge( count, 1, Integer::sum );
		}
		for ( long count = 1; count <= inDatabase; count++ ) {
			if ( left.merge( count, -1, Integer::sum ) < 0 ) {
				fail( "id " + id + ": the database holds " + inDatabase + " increments of " + child + ", but its "
						+ "increment number " + count + " was never acknowledged; " + where );
			}
		}
		List<Long> reported = new ArrayList<>();
		for ( String line : child.failed ) {
			String[] p = line.split( " " );
			if ( Integer.parseInt( p[1] ) == id ) {
				reported.add( Long.parseLong( p[6 + child.node] ) );
			}
		}
		reported.sort( Collections.reverseOrder() );
		long lost = 0;
		for ( long count : reported ) {
			for ( long c = count; c > 0 && left.getOrDefault( c, 0 ) > 0; c-- ) {
				left.merge( c, -1, Integer::sum );
				lost++;
			}
		}
		List<Long> silently = new ArrayList<>();
		left.forEach( ( count, n ) -> {
			for ( int i = 0; i < n; i++ ) {
				silently.add( count );
			}
		} );
		Collections.sort( silently );
		assertEquals( List.of(), silently, "id " + id + ": acknowledged increments of " + child + " (by its count) that "
				+ "are neither in the database (" + inDatabase + ") nor in a write it reported as failed "
				+ reported + ": lost silently (its acknowledged counts: " + counts.stream().sorted().toList() + "); "
				+ where );
		return lost;
	}

	private static long[] rowsTotal(long[][] rows) {
		long[] totals = new long[IDS];
		for ( int id = 1; id <= IDS; id++ ) {
			totals[id - 1] = rows[id][0];
		}
		return totals;
	}

	private static long sumAcked(Child[] nodes) {
		long sum = 0;
		for ( Child child : nodes ) {
			for ( int id = 1; id <= IDS; id++ ) {
				sum += child.acked( id );
			}
		}
		return sum;
	}

	// ---------------------------------------------------------------- the children

	/** A child JVM: one node ({@link ClusterNodeChild}), in the machine's network or in node 2's namespace. */
	private final class Child {
		final int node;
		final Path err;
		final Process process;
		/** Per id, the counts of this node's acknowledged increments (in the order read). */
		final List<List<Long>> counts = new ArrayList<>();
		final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
		final List<String> errors = new CopyOnWriteArrayList<>();
		final List<String> failed = new CopyOnWriteArrayList<>();

		Child(int node, String url, String redisUri, NetworkNamespace namespace, List<String> extra) throws IOException {
			this.node = node;
			for ( int id = 0; id <= IDS; id++ ) {
				counts.add( Collections.synchronizedList( new ArrayList<>() ) );
			}
			err = dir.resolve( "node" + node + ".err" );
			List<Object> arguments = new ArrayList<>( List.of( database.name().toLowerCase( Locale.ROOT ), url, "redis",
					redisUri, channelName, "-", node, THREADS, IDS ) );
			for ( Map.Entry<String, String> setting : clusterSettings().entrySet() ) {
				if ( !setting.getKey().equals( WriteBehindSettings.CLUSTER_REDIS_URI ) ) {
					arguments.add( setting.getKey() + "=" + setting.getValue() );
				}
			}
			arguments.addAll( extra );
			List<String> command = ChildJvm.command( List.of( "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
					"-Xmx256m" ), ClusterNodeChild.class, arguments.toArray() );
			ProcessBuilder builder = namespace == null ? ChildJvm.builder( command ) : namespace.builder( command );
			process = builder.redirectError( err.toFile() ).start();
			children.add( this );
			Thread pump = new Thread( this::readOutput, "node" + node + "-output" );
			pump.setDaemon( true );
			pump.start();
		}

		private void readOutput() {
			try ( BufferedReader in = new BufferedReader( new InputStreamReader( process.getInputStream(),
					StandardCharsets.UTF_8 ) ) ) {
				String line;
				while ( ( line = in.readLine() ) != null ) {
					if ( !line.endsWith( " ." ) ) {
						continue;
					}
					if ( line.startsWith( "ok " ) ) {
						String[] p = line.split( " " );
						counts.get( Integer.parseInt( p[1] ) ).add( Long.parseLong( p[2] ) );
					}
					else if ( line.startsWith( "ERR " ) ) {
						errors.add( line );
					}
					else if ( line.startsWith( "FAILED " ) ) {
						failed.add( line );
					}
					else {
						replies.add( line );
					}
				}
			}
			catch (IOException | RuntimeException ignored) {
				// gone
			}
		}

		long acked(int id) {
			return counts.get( id ).size();
		}

		long acked() {
			long sum = 0;
			for ( int id = 1; id <= IDS; id++ ) {
				sum += acked( id );
			}
			return sum;
		}

		void send(String line) throws IOException {
			OutputStream stdin = process.getOutputStream();
			stdin.write( ( line + "\n" ).getBytes( StandardCharsets.UTF_8 ) );
			stdin.flush();
		}

		/** The child's pending writes now ({@code WriteBehind.stats().pending()}). */
		long pending() throws Exception {
			send( "PENDING" );
			return Long.parseLong( await( "PENDING", 30 ).split( " " )[1] );
		}

		/** Every line the child printed before now has been read. */
		void sync() throws Exception {
			send( "SYNC" );
			await( "SYNCED", 30 );
		}

		String await(String prefix, long seconds) throws Exception {
			String reply = replies.poll( seconds, TimeUnit.SECONDS );
			if ( reply == null ) {
				fail( this + " did not answer " + prefix + " within " + seconds + " s (alive: " + process.isAlive()
						+ "); its standard error:\n" + stderr() + "\nits threads:\n" + threads() );
			}
			assertTrue( reply.startsWith( prefix ), this + " answered '" + reply + "', expected " + prefix
					+ "; its standard error:\n" + stderr() );
			return reply;
		}

		/** The child's thread dump ({@code jcmd}), for a failure message. */
		String threads() {
			if ( !process.isAlive() ) {
				return "(exited)";
			}
			try {
				Process jcmd = new ProcessBuilder( Path.of( System.getProperty( "java.home" ), "bin", "jcmd" ).toString(),
						Long.toString( process.pid() ), "Thread.print" ).redirectErrorStream( true ).start();
				String text = new String( jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8 );
				jcmd.waitFor( 30, TimeUnit.SECONDS );
				Files.writeString( dir.resolve( "node" + node + ".threads" ), text );
				return text.length() > 20_000 ? text.substring( 0, 20_000 ) + "..." : text;
			}
			catch (IOException | InterruptedException e) {
				return "(" + e + ")";
			}
		}

		String stderr() {
			try {
				String text = Files.readString( err );
				return text.length() > 6_000 ? "..." + text.substring( text.length() - 6_000 ) : text;
			}
			catch (IOException e) {
				return "(" + e + ")";
			}
		}

		@Override
		public String toString() {
			return "node " + node;
		}
	}

	/** The children's JDBC URL: the test's schema; on H2, its in-memory database through a TCP server in this JVM. */
	private String childUrl() throws Exception {
		if ( database != TestDatabase.H2 ) {
			return schema.url();
		}
		int port;
		try ( ServerSocket socket = new ServerSocket( 0 ) ) {
			port = socket.getLocalPort();
		}
		h2Server = Server.createTcpServer( "-tcpPort", Integer.toString( port ), "-tcpDaemon" ).start();
		return "jdbc:h2:tcp://127.0.0.1:" + h2Server.getPort() + "/mem:" + schema.name();
	}

	/** Per id: {total, node0, node1, node2}. */
	private long[][] rows() throws SQLException {
		long[][] rows = new long[IDS + 1][];
		try ( Connection c = schema.connect(); Statement s = c.createStatement();
				ResultSet rs = s.executeQuery( "select id, total, node0, node1, node2 from wb_cluster_counter" ) ) {
			while ( rs.next() ) {
				rows[(int) rs.getLong( 1 )] = new long[] { rs.getLong( 2 ), rs.getLong( 3 ), rs.getLong( 4 ), rs.getLong( 5 ) };
			}
		}
		for ( int id = 1; id <= IDS; id++ ) {
			assertNotNull( rows[id], "row " + id );
		}
		return rows;
	}
}
