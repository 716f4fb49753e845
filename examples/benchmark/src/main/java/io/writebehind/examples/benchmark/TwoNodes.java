package io.writebehind.examples.benchmark;

import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import org.hibernate.SessionFactory;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.writebehind.FailedWrite;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.queue.EntityRegion;

/**
 * Scenario 9, two nodes: two {@code EntityManagerFactory} instances in this JVM on the same database, kept coherent by
 * the cluster channel ({@code cluster.channel}): PostgreSQL LISTEN/NOTIFY when the benchmark runs on PostgreSQL, else
 * Redis pub/sub. Measures the invalidation delay (a commit on node B until node A's cache no longer holds the id, over
 * many rounds) and the throughput of read-modify-write increments from both nodes at once, on shared ids and on ids
 * partitioned between the nodes, against one node alone with as many threads. Every node counts its increments in a
 * column of its own; after the flush the database must hold each node's committed increments of each id, except where
 * that node reported a failed write of that id (a conflict at flush, conflict policy FAIL). When the channel's server
 * does not answer, the scenario says so and is not run.
 */
final class TwoNodes {

	private static final String ENTITY = NodeCounter.class.getName();
	private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos( 10 );
	/** The ids of the hot-id variants, written by both nodes. */
	private static final int HOT_IDS = 8;

	private TwoNodes() {
	}

	static Map<String, Object> run(Env env, Mode mode, String redisUri, boolean progress, PrintStream out) {
		Map<String, Object> json = new LinkedHashMap<>();
		Map<String, Object> channel = new LinkedHashMap<>();
		String description;
		String unreachable;
		if ( env.kind.equals( "postgresql" ) ) {
			String url = listenUrl( env );
			channel.put( WriteBehindSettings.CLUSTER_CHANNEL, "postgresql" );
			channel.put( WriteBehindSettings.CLUSTER_POSTGRESQL_URL, url );
			description = "PostgreSQL LISTEN/NOTIFY on the benchmark's database";
			unreachable = postgresqlUnreachable( url );
		}
		else {
			channel.put( WriteBehindSettings.CLUSTER_CHANNEL, "redis" );
			channel.put( WriteBehindSettings.CLUSTER_REDIS_URI, redisUri );
			description = "Redis pub/sub at " + redisUri;
			unreachable = redisUnreachable( redisUri );
		}
		json.put( "channel", description );
		if ( unreachable != null ) {
			out.println();
			out.println( "9. two nodes: NOT RUN, no server for the coherence channel: " + unreachable + " (start Redis, "
					+ "give --redis-uri, or run on PostgreSQL with --url jdbc:postgresql:...)" );
			json.put( "run", false );
			json.put( "notRunBecause", unreachable );
			return json;
		}
		json.put( "run", true );

		Map<String, Object> delay = invalidationDelay( env, mode, channel, description, out );
		json.put( "invalidationDelay", delay );

		int perNode = Math.max( 2, mode.threads() / 2 );
		int ids = mode.hotIds();
		Table table = new Table( "9b. two nodes, throughput: find + increment + commit on " + Table.n( ids ) + " ids ("
				+ HOT_IDS + " in the hot-id variants) for "
				+ Table.f( mode.latencySeconds(), 1 ) + " s, " + perNode + " threads per node, channel: " + description
				+ ", default max_delay_ms and flush_threshold",
				"variant", "threads", "commits/s", "p50 us", "p99 us", "retries", "committed", "in database",
				"shortfall", "failed writes", "conflicts", "s until flushed" );
		List<Map<String, Object>> variants = new ArrayList<>();
		List<String> outages = new ArrayList<>();
		// the first variant after a JVM start ran several times slower than the same variant run again: warm the JIT up
		// with one variant whose figures are not kept
		throughput( env, mode, progress, "JIT warm-up", 1, 2 * perNode, ids, false, Map.of(), new Table( "" ),
				new ArrayList<>() );
		variants.add( throughput( env, mode, progress, "1 node alone", 1, 2 * perNode, ids, false, Map.of(), table,
				outages ) );
		variants.add( throughput( env, mode, progress, "2 nodes, shared ids", 2, perNode, ids, false, channel, table,
				outages ) );
		variants.add( throughput( env, mode, progress, "2 nodes, ids split", 2, perNode, ids, true, channel, table,
				outages ) );
		// cluster.version_check=lease (issue 17): shared ids, and ids split by lease bucket (sticky routing per bucket)
		Map<String, Object> lease = new LinkedHashMap<>( channel );
		lease.put( WriteBehindSettings.CLUSTER_VERSION_CHECK, "lease" );
		try {
			variants.add( throughput( env, mode, progress, "2 nodes, shared ids, lease", 2, perNode, ids, false, lease,
					table, outages ) );
			variants.add( throughput( env, mode, progress, "2 nodes, ids split by bucket, lease", 2, perNode, ids, true,
					lease, table, outages ) );
			// hot ids (issue 17, point 6): a few ids written by both nodes, ledger then lease, side by side
			variants.add( throughput( env, mode, progress, "2 nodes, " + HOT_IDS + " hot ids", 2, perNode, HOT_IDS,
					false, channel, table, outages ) );
			variants.add( throughput( env, mode, progress, "2 nodes, " + HOT_IDS + " hot ids, lease", 2, perNode,
					HOT_IDS, false, lease, table, outages ) );
		}
		catch (RuntimeException e) {
			if ( !String.valueOf( e.getMessage() ).contains( "lease" ) && !( e.getCause() != null
					&& String.valueOf( e.getCause().getMessage() ).contains( "lease" ) ) ) {
				throw e;
			}
			out.println( "  lease variants skipped: this build of the library has no cluster.version_check=lease ("
					+ e.getMessage() + ")" );
		}
		table.print( out );
		for ( String shared : List.of( "2 nodes, shared ids", "2 nodes, " + HOT_IDS + " hot ids" ) ) {
			Map<String, Object> ratio = leaseToLedger( variants, shared );
			if ( ratio != null ) {
				out.printf( "  %s: lease / ledger (version_check=lease / commit, this run): %sx the commits/s, p50 %sx, "
						+ "p99 %sx%n", shared.substring( "2 nodes, ".length() ),
						Table.f( (Double) ratio.get( "commitsPerSecond" ), 2 ), Table.f( (Double) ratio.get( "p50" ), 2 ),
						Table.f( (Double) ratio.get( "p99" ), 2 ) );
				json.put( shared.contains( "hot" ) ? "hotIdsLeaseToLedger" : "sharedIdsLeaseToLedger", ratio );
			}
		}
		out.println( "  retries = commits refused with an optimistic-lock failure (OptimisticLockException or "
				+ "StaleObjectStateException in the cause chain), run again on a random id (latency includes them)" );
		out.println( "  shortfall = increments committed but not in the database; each one belongs to a failed write "
				+ "(a conflict at flush) that its node reported for that id, else the scenario fails" );
		out.println( "  committed ... conflicts include the warm-up (" + Table.f( mode.warmUpSeconds(), 1 ) + " s); "
				+ "failed writes are kept in failedWrites() without logging each; s until flushed = measured run + flush" );
		out.println( "  1 node alone: no channel, as many threads as both nodes together; ids split: node 0 writes the "
				+ "lower half of the ids, node 1 the upper half (writes routed to one node per id)" );
		out.println( "  lease: cluster.version_check=lease; ids split by bucket: node 0 writes the ids of even lease buckets, "
				+ "node 1 those of odd ones; hot ids: both nodes write " + HOT_IDS + " ids at random (ledger, then lease)" );
		for ( String outage : outages ) {
			out.println( "  CHANNEL OUTAGE during the run, " + outage + " (its conflicts and retries are not those of "
					+ "a working channel)" );
		}
		json.put( "threadsPerNode", perNode );
		json.put( "ids", ids );
		json.put( "throughput", variants );
		return json;
	}

	/** The lease variant's figures over the ledger's ({@code commit}) on shared ids, or null without a lease run. */
	private static Map<String, Object> leaseToLedger(List<Map<String, Object>> variants, String shared) {
		Map<String, Object> ledger = null;
		Map<String, Object> lease = null;
		for ( Map<String, Object> variant : variants ) {
			if ( shared.equals( variant.get( "variant" ) ) ) {
				ledger = variant;
			}
			else if ( ( shared + ", lease" ).equals( variant.get( "variant" ) ) ) {
				lease = variant;
			}
		}
		if ( ledger == null || lease == null ) {
			return null;
		}
		Map<String, Object> ratio = new LinkedHashMap<>();
		ratio.put( "commitsPerSecond", (Double) lease.get( "commitsPerSecond" )
				/ Math.max( (Double) ledger.get( "commitsPerSecond" ), 1e-9 ) );
		ratio.put( "p50", latency( lease, "p50Micros" ) / Math.max( latency( ledger, "p50Micros" ), 1e-9 ) );
		ratio.put( "p99", latency( lease, "p99Micros" ) / Math.max( latency( ledger, "p99Micros" ), 1e-9 ) );
		return ratio;
	}

	@SuppressWarnings("unchecked")
	private static double latency(Map<String, Object> variant, String key) {
		Object value = ( (Map<String, Object>) variant.get( "latency" ) ).get( key );
		return value instanceof Number n ? n.doubleValue() : Double.NaN;
	}

	// ------------------------------------------------------------------------ invalidation delay

	private static Map<String, Object> invalidationDelay(Env env, Mode mode, Map<String, Object> channel,
			String description, PrintStream out) {
		int rounds = mode.invalidationRounds();
		long[] delays = new long[rounds];
		int repeatedRounds;
		ListeningWatch watch = null;
		String name = channelName();
		try ( Db a = node( env, channel, name, true ); Db b = node( env, channel, name, false ) ) {
			awaitListening( a );
			awaitListening( b );
			a.tx( em -> em.persist( new NodeCounter( 1L ) ) );
			a.writeBehind().flush();
			watch = new ListeningWatch( List.of( a, b ) );
			long ofA = 0;
			long ofB = 0;
			int repeated = 0;
			for ( int i = 0; i < rounds; i++ ) {
				// node A writes the id: once flushed, its cache holds it as clean
				long written = System.nanoTime();
				a.tx( em -> em.find( NodeCounter.class, 1L ).increment( 0 ) );
				ofA++;
				a.writeBehind().flush();
				if ( region( a ).lookup( 1L ) == null ) {
					// a node that does not listen (the channel's connection was lost) caches nothing it reads or writes
					if ( ++repeated > rounds ) {
						throw new IllegalStateException( "two nodes: node A does not cache its own flushed writes" );
					}
					awaitListening( a );
					awaitListening( b );
					i--;
					continue;
				}
				awaitEvicted( b, 1L, written, "B" ); // node B no longer serves its older state
				long start = System.nanoTime();
				b.tx( em -> em.find( NodeCounter.class, 1L ).increment( 1 ) );
				ofB++;
				delays[i] = awaitEvicted( a, 1L, start, "A" );
				b.writeBehind().flush();
			}
			long node0 = a.queryLong( "select node0 from bench_nodes where id = 1" );
			long node1 = a.queryLong( "select node1 from bench_nodes where id = 1" );
			if ( node0 != ofA || node1 != ofB ) {
				throw new IllegalStateException( "two nodes: node A committed " + ofA + " increments, node B " + ofB
						+ ", the database holds " + node0 + " and " + node1 );
			}
			if ( repeated > 0 ) {
				out.println();
				out.println( "9a. two nodes: " + repeated + " round(s) repeated: node A did not cache its write (its "
						+ "channel was not listening)" );
			}
			repeatedRounds = repeated;
		}
		finally {
			if ( watch != null ) {
				watch.close();
			}
		}
		long notListening = watch.notListeningMillis();
		if ( notListening > 0 ) {
			out.println();
			out.println( "9a. two nodes: CHANNEL OUTAGE during the rounds: a node's channel did not listen for about "
					+ notListening + " ms (a node that stops listening evicts every clean entry: delays of those rounds "
					+ "are not the channel's)" );
		}
		Arrays.sort( delays );
		Map<String, Object> json = new LinkedHashMap<>();
		json.put( "rounds", rounds );
		json.put( "roundsRepeated", repeatedRounds );
		json.put( "channelNotListeningMillis", notListening );
		json.put( "minMillis", delays[0] / 1e6 );
		json.put( "medianMillis", delays[rounds / 2] / 1e6 );
		json.put( "p90Millis", delays[rounds * 9 / 10] / 1e6 );
		json.put( "maxMillis", delays[rounds - 1] / 1e6 );
		Table table = new Table( "9a. two nodes, invalidation delay: commit on node B until node A's cache no longer "
				+ "holds the id, " + rounds + " rounds, channel: " + description,
				"rounds", "min ms", "median ms", "p90 ms", "max ms" );
		table.row( Table.n( rounds ), Table.f( delays[0] / 1e6, 2 ), Table.f( delays[rounds / 2] / 1e6, 2 ),
				Table.f( delays[rounds * 9 / 10] / 1e6, 2 ), Table.f( delays[rounds - 1] / 1e6, 2 ) );
		table.print( out );
		out.println( "  measured from just before node B's transaction (find, increment, commit) until node A's "
				+ "region lookup of the id returns nothing; node A polls its cache in a spin loop" );
		return json;
	}

	// ------------------------------------------------------------------------ throughput

	private static Map<String, Object> throughput(Env env, Mode mode, boolean progress, String label, int nodeCount,
			int threadsPerNode, int ids, boolean split, Map<String, Object> channel, Table table, List<String> outages) {
		String name = channelName();
		List<Db> nodes = new ArrayList<>();
		Map<String, Object> json = new LinkedHashMap<>();
		json.put( "variant", label );
		try {
			for ( int n = 0; n < nodeCount; n++ ) {
				nodes.add( node( env, channel, name, n == 0 ) );
			}
			if ( nodeCount > 1 ) {
				nodes.forEach( TwoNodes::awaitListening );
			}
			nodes.get( 0 ).tx( em -> {
				for ( long id = 1; id <= ids; id++ ) {
					em.persist( new NodeCounter( id ) );
				}
			} );
			nodes.get( 0 ).writeBehind().flush();
			for ( Db node : nodes ) {
				// keep failed writes (conflicts at flush) in failedWrites() without an ERROR line each
				WriteBehind writeBehind = node.writeBehind();
				writeBehind.failureHandler( writeBehind::keepFailed );
			}
			AtomicLongArray[] committedBy = { new AtomicLongArray( ids + 1 ), new AtomicLongArray( ids + 1 ) };
			int threads = nodeCount * threadsPerNode;
			// lease mode: ids split by their lease bucket's parity, so that each bucket is written by one node
			long[][] ownIds = split && "lease".equals( channel.get( WriteBehindSettings.CLUSTER_VERSION_CHECK ) )
					? idsByBucket( nodes.get( 0 ), ids ) : null;
			Load.Op op = (thread, i, random) -> {
				int node = thread / threadsPerNode;
				long id;
				if ( ownIds != null ) {
					id = ownIds[node][random.nextInt( ownIds[node].length )];
				}
				else if ( split ) {
					int half = ids / 2;
					id = node == 0 ? 1 + random.nextInt( half ) : half + 1 + random.nextInt( ids - half );
				}
				else {
					id = 1 + random.nextInt( ids );
				}
				// a single node counts in column node0 only
				increment( nodes.get( node ), node, id, committedBy[node] );
			};
			long notListening;
			long start;
			Load.Result r;
			try ( ListeningWatch watch = new ListeningWatch( nodes ) ) {
				// warm-up on the same ids, not timed (its increments are checked with the others)
				Load.time( "two nodes warm-up (" + label + ")", threads, mode.warmUpSeconds(), progress, op );
				start = System.nanoTime();
				r = Load.time( "two nodes (" + label + ")", threads, mode.latencySeconds(), progress, op );
				notListening = watch.notListeningMillis();
			}
			for ( Db node : nodes ) {
				if ( !node.writeBehind().flush( Duration.ofSeconds( 60 ) ) ) {
					throw new IllegalStateException( "two nodes (" + label + "): not flushed within 60 s" );
				}
			}
			double seconds = ( System.nanoTime() - start ) / 1e9;
			long failed = 0;
			long conflicts = 0;
			List<Set<Object>> failedIds = new ArrayList<>();
			for ( Db node : nodes ) {
				List<FailedWrite> writes = node.writeBehind().failedWrites();
				failed += writes.size();
				conflicts += node.writeBehind().stats().conflicts();
				Set<Object> set = new HashSet<>();
				writes.forEach( w -> set.add( w.id() ) );
				failedIds.add( set );
			}
			long[] totals = verify( nodes.get( 0 ), label, ids, committedBy, failedIds );
			long committed = totals[0];
			long inDatabase = totals[1];
			long shortfall = committed - inDatabase;
			table.row( label, nodeCount + " x " + threadsPerNode, Table.rate( r.throughput() ),
					Table.us( r.latency().p50() ), Table.us( r.latency().p99() ), Table.n( r.retries() ),
					Table.n( committed ), Table.n( inDatabase ), Table.n( shortfall ), Table.n( failed ),
					Table.n( conflicts ), Table.f( seconds, 2 ) );
			json.put( "nodes", nodeCount );
			json.put( "threadsPerNode", threadsPerNode );
			json.put( "idsSplitBetweenNodes", split );
			json.put( "commitsPerSecond", r.throughput() );
			json.put( "latency", r.latency().json() );
			json.put( "optimisticLockRetries", r.retries() );
			json.put( "incrementsCommitted", committed );
			json.put( "incrementsInDatabase", inDatabase );
			json.put( "shortfall", shortfall );
			json.put( "failedWrites", failed );
			json.put( "conflictsAtFlush", conflicts );
			json.put( "secondsUntilFlushed", seconds );
			json.put( "channelNotListeningMillis", notListening );
			json.put( "verification", "ok" );
			if ( notListening > 0 ) {
				outages.add( label + ": a node's channel did not listen for about " + notListening + " ms" );
			}
		}
		finally {
			for ( int n = nodes.size() - 1; n >= 0; n-- ) {
				nodes.get( n ).close();
			}
		}
		return json;
	}

	/**
	 * Lease mode: the ids 1..ids whose lease bucket is even (node 0) and odd (node 1); through reflection, so that the
	 * benchmark still compiles against a build of the library without leases.
	 */
	private static long[][] idsByBucket(Db node, int ids) {
		try {
			Object coherence = runtime( node ).coherence();
			java.lang.reflect.Method bucket = coherence.getClass().getMethod( "leaseBucket", EntityRegion.class,
					Object.class );
			List<List<Long>> lists = List.of( new ArrayList<>(), new ArrayList<>() );
			for ( long id = 1; id <= ids; id++ ) {
				lists.get( (Integer) bucket.invoke( coherence, region( node ), id ) % 2 ).add( id );
			}
			return new long[][] { lists.get( 0 ).stream().mapToLong( Long::longValue ).toArray(),
					lists.get( 1 ).stream().mapToLong( Long::longValue ).toArray() };
		}
		catch (ReflectiveOperationException e) {
			throw new IllegalStateException( "no lease buckets in this build of the library", e );
		}
	}

	private static void increment(Db node, int index, long id, AtomicLongArray committed) throws Load.Retry {
		try {
			node.tx( em -> em.find( NodeCounter.class, id ).increment( index ) );
		}
		catch (RuntimeException e) {
			if ( Load.optimisticLockFailure( e ) ) {
				throw new Load.Retry( e );
			}
			throw e;
		}
		committed.incrementAndGet( (int) id );
	}

	/**
	 * Compares the database with what each node committed, id by id; returns {committed, in the database}. Throws when
	 * the database holds more than a node committed, or fewer without a failed write of that id reported by that node.
	 */
	private static long[] verify(Db db, String label, int ids, AtomicLongArray[] committedBy,
			List<Set<Object>> failedIds) {
		long committed = 0;
		long inDatabase = 0;
		for ( AtomicLongArray c : committedBy ) {
			for ( int id = 1; id <= ids; id++ ) {
				committed += c.get( id );
			}
		}
		List<String> problems = new ArrayList<>();
		int rows = 0;
		try ( Connection c = db.jdbc(); Statement s = c.createStatement();
				ResultSet rs = s.executeQuery( "select id, node0, node1 from bench_nodes order by id" ) ) {
			while ( rs.next() ) {
				rows++;
				int id = (int) rs.getLong( 1 );
				for ( int n = 0; n < 2; n++ ) {
					long held = rs.getLong( 2 + n );
					inDatabase += held;
					long ofNode = id >= 1 && id <= ids ? committedBy[n].get( id ) : 0;
					boolean reported = n < failedIds.size() && failedIds.get( n ).contains( (long) id );
					if ( held > ofNode || held < ofNode && !reported ) {
						problems.add( "id " + id + " node " + n + ": " + held + " in the database, " + ofNode
								+ " committed" + ( held < ofNode ? ", no failed write reported" : "" ) );
					}
				}
			}
		}
		catch (SQLException e) {
			throw new IllegalStateException( "two nodes (" + label + "): could not read bench_nodes", e );
		}
		if ( rows != ids ) {
			problems.add( rows + " rows, expected " + ids );
		}
		if ( !problems.isEmpty() ) {
			throw new IllegalStateException( "two nodes (" + label + "): the database does not hold the committed "
					+ "increments (" + committed + " committed, " + inDatabase + " in the database): "
					+ problems.subList( 0, Math.min( 10, problems.size() ) ) );
		}
		return new long[] { committed, inDatabase };
	}

	// ------------------------------------------------------------------------ nodes and channel

	/** A node; the first one of a group recreates the tables, the others use them. */
	private static Db node(Env env, Map<String, Object> channel, String channelName, boolean first) {
		Map<String, Object> overrides = new LinkedHashMap<>( channel );
		if ( !channel.isEmpty() ) {
			overrides.put( WriteBehindSettings.CLUSTER_CHANNEL_NAME, channelName );
		}
		if ( !first ) {
			overrides.put( "hibernate.hbm2ddl.auto", "none" );
		}
		return Db.open( env, overrides, NodeCounter.class );
	}

	/**
	 * Samples every 5 ms whether every node's channel listens: a lost connection (a restarted Redis, a killed listener)
	 * changes what the figures mean, so it is reported with them.
	 */
	private static final class ListeningWatch implements AutoCloseable {
		private final Thread sampler;
		private volatile boolean stop;
		private volatile long notListeningSamples;

		ListeningWatch(List<Db> nodes) {
			List<WriteBehindRuntime> runtimes = nodes.stream().map( TwoNodes::runtime ).toList();
			sampler = new Thread( () -> {
				while ( !stop ) {
					for ( WriteBehindRuntime runtime : runtimes ) {
						if ( runtime.coherence() != null && !runtime.coherence().listening() ) {
							notListeningSamples++;
							break;
						}
					}
					try {
						Thread.sleep( 5 );
					}
					catch (InterruptedException e) {
						return;
					}
				}
			}, "bench-listening-watch" );
			sampler.setDaemon( true );
			sampler.start();
		}

		/** About how long some node's channel did not listen, in milliseconds. */
		long notListeningMillis() {
			return notListeningSamples * 5;
		}

		@Override
		public void close() {
			stop = true;
			try {
				sampler.join();
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private static String channelName() {
		return "wbbench_" + UUID.randomUUID().toString().replace( "-", "" ).substring( 0, 12 );
	}

	private static WriteBehindRuntime runtime(Db node) {
		return WriteBehindRuntime.of( node.emf.unwrap( SessionFactory.class ) );
	}

	private static EntityRegion region(Db node) {
		return runtime( node ).regionOf( ENTITY );
	}

	private static void awaitListening(Db node) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos( 20 );
		while ( !runtime( node ).coherence().listening() ) {
			if ( System.nanoTime() > deadline ) {
				throw new IllegalStateException( "two nodes: the node's coherence channel did not listen within 20 s" );
			}
			sleep( 5 );
		}
	}

	/** Waits until the node's cache no longer holds the id; returns the nanoseconds since {@code since}. */
	private static long awaitEvicted(Db node, long id, long since, String which) {
		EntityRegion region = region( node );
		while ( region.lookup( id ) != null ) {
			if ( System.nanoTime() - since > TIMEOUT_NANOS ) {
				throw new IllegalStateException( "two nodes: node " + which + " did not evict id " + id + " within 10 s" );
			}
			Thread.onSpinWait();
		}
		return System.nanoTime() - since;
	}

	/** The benchmark's URL with its user and password as parameters (the channel opens connections of its own). */
	private static String listenUrl(Env env) {
		StringBuilder url = new StringBuilder( env.url );
		char separator = env.url.contains( "?" ) ? '&' : '?';
		if ( env.user != null && !env.url.contains( "user=" ) ) {
			url.append( separator ).append( "user=" ).append( URLEncoder.encode( env.user, StandardCharsets.UTF_8 ) );
			separator = '&';
		}
		if ( env.password != null && !env.password.isEmpty() && !env.url.contains( "password=" ) ) {
			url.append( separator ).append( "password=" )
					.append( URLEncoder.encode( env.password, StandardCharsets.UTF_8 ) );
		}
		return url.toString();
	}

	private static String postgresqlUnreachable(String url) {
		try ( Connection c = DriverManager.getConnection( url ) ) {
			return c.isValid( 2 ) ? null : "PostgreSQL at " + url + ": the connection is not valid";
		}
		catch (SQLException e) {
			return "PostgreSQL at " + url + " refused a connection: " + e.getMessage();
		}
	}

	/** Null when Redis answers PING, else why not. */
	private static String redisUnreachable(String uri) {
		// Lettuce logs through Netty, which would pick the SLF4J of Maven's JVM (exec:java) and warn that it has no
		// binding: java.util.logging, quieted by the benchmark, instead
		io.netty.util.internal.logging.InternalLoggerFactory
				.setDefaultFactory( io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE );
		RedisClient client;
		try {
			RedisURI redis = RedisURI.create( uri );
			redis.setTimeout( Duration.ofSeconds( 2 ) );
			client = RedisClient.create( redis );
		}
		catch (RuntimeException e) {
			return "Redis URI " + uri + ": " + e.getMessage();
		}
		try ( StatefulRedisConnection<String, String> connection = client.connect() ) {
			String pong = connection.sync().ping();
			return "PONG".equals( pong ) ? null : "Redis at " + uri + " answered PING with " + pong;
		}
		catch (RuntimeException e) {
			return "Redis at " + uri + " does not answer: " + e.getMessage();
		}
		finally {
			client.shutdown( Duration.ZERO, Duration.ofSeconds( 1 ) );
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep( millis );
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException( e );
		}
	}
}
