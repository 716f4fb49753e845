package io.writebehind.examples.benchmark;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.junit.jupiter.api.Test;

/**
 * Runs every scenario at a tiny size on embedded H2: each scenario checks the database with JDBC and throws when it
 * does not hold what was committed, so this is a behaviour test of the harness. No timing assertions.
 */
class BenchmarkTest {

	private static final Mode TINY = new Mode( "tiny", 2, 0.1, 0.2, 50, 2_000, 50, 1_000, 200, 2_000, 1.0, 500, 10, 10, 2, 0.1 );

	@Test
	void everyScenarioRunsAndVerifiesTheDatabase() throws Exception {
		Benchmark.Options o = new Benchmark.Options();
		o.mode = TINY;
		o.progress = false;
		o.target = Paths.get( "target", "benchmark-test" );
		// the two-node scenario needs a channel server: tested on its own below
		o.scenarios.remove( "twonodes" );
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		Path json = Benchmark.run( o, new PrintStream( bytes, true, StandardCharsets.UTF_8 ) );
		String printed = bytes.toString( StandardCharsets.UTF_8 );

		assertEquals( "benchmark-h2.json", json.getFileName().toString() );
		String text = Files.readString( json );
		for ( String scenario : o.scenarios ) {
			assertTrue( text.contains( "\"" + scenario + "\": {" ), scenario + " missing in " + text );
		}
		for ( String table : new String[] { "1. insert-heavy", "2. hot-key updates", "3. drain rate",
				"4. read after write", "5. memory", "6. sustained overload", "7. journal", "10. commit cost",
				"goals (issue 16) on h2" } ) {
			assertTrue( printed.contains( table ), printed );
		}
		assertTrue( text.contains( "\"cores\": " ), text );
		assertTrue( text.contains( "\"product\": \"H2\"" ), text );
		// the hot-key and overload scenarios compare the database with what the writers know they committed
		assertEquals( 3, count( text, "\"verification\": \"ok\"" ), text );
		assertTrue( printed.contains( "accepted entities" ), printed );
		assertTrue( text.contains( "\"sqlStatementsPerFind\": 0" ), "write-behind finds issued SQL: " + text );
		// the commit-cost floor found every entity in Hibernate's second-level cache and ran no SQL (it throws otherwise)
		assertTrue( text.contains( "\"floorSqlStatementsDuringRounds\": 0" ), text );
		assertTrue( text.contains( "\"threadCpuWriteBehindOverFloor\": " ), text );
		// the drain's row of inserts committed with CacheStoreMode.BYPASS, and its reference line under the goals
		assertTrue( text.contains( "\"insertsStoreBypass\": {" ), text );
		assertTrue( printed.contains( "inserts, CacheStoreMode.BYPASS" ) && printed.contains( "for reference (not a goal)" ),
				printed );
		// every goal has a figure: the scenarios it reads from all ran
		assertEquals( 0, count( printed, "not run" ), printed );
	}

	/**
	 * Two nodes on H2 through Redis pub/sub (required at redis://127.0.0.1:6379, or the URI in system property
	 * {@code benchmark.test.redis.uri}): the delay figures and three throughput variants, each compared with the
	 * database node by node and id by id.
	 */
	@Test
	void twoNodesMeasureTheInvalidationDelayAndVerifyEveryIncrement() throws Exception {
		Benchmark.Options o = new Benchmark.Options();
		o.mode = TINY;
		o.progress = false;
		o.target = Paths.get( "target", "benchmark-test-two-nodes" );
		o.scenarios = new java.util.LinkedHashSet<>( java.util.List.of( "twonodes" ) );
		o.redisUri = System.getProperty( "benchmark.test.redis.uri", o.redisUri );
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		Path json = Benchmark.run( o, new PrintStream( bytes, true, StandardCharsets.UTF_8 ) );
		String printed = bytes.toString( StandardCharsets.UTF_8 );
		String text = Files.readString( json );

		assertFalse( printed.contains( "NOT RUN" ), "this test needs Redis at " + o.redisUri + ": " + printed );
		assertTrue( text.contains( "\"run\": true" ), text );
		assertTrue( printed.contains( "9a. two nodes, invalidation delay" ), printed );
		assertTrue( printed.contains( "9b. two nodes, throughput" ), printed );
		assertTrue( text.contains( "\"rounds\": 10" ), text );
		assertTrue( text.contains( "\"medianMillis\": " ), text );
		String[] variants = { "1 node alone", "2 nodes, shared ids", "2 nodes, ids split", "2 nodes, shared ids, lease",
				"2 nodes, ids split by bucket, lease", "2 nodes, 8 hot ids", "2 nodes, 8 hot ids, lease" };
		for ( String variant : variants ) {
			assertTrue( text.contains( "\"variant\": \"" + variant + "\"" ), variant + " missing in " + text );
		}
		// every variant compared each node's committed increments with the database (it throws otherwise)
		assertEquals( variants.length, count( text, "\"verification\": \"ok\"" ), text );
		assertEquals( 0, count( text, "\"commitsPerSecond\": 0," ), text );
		// lease against ledger, side by side, on shared ids and on hot ids
		assertTrue( printed.contains( "  shared ids: lease / ledger" ), printed );
		assertTrue( printed.contains( "  8 hot ids: lease / ledger" ), printed );
		assertTrue( text.contains( "\"sharedIdsLeaseToLedger\"" ) && text.contains( "\"hotIdsLeaseToLedger\"" ), text );
	}

	@Test
	void twoNodesWithoutAChannelServerAreNotRunAndSaySo() throws Exception {
		Benchmark.Options o = new Benchmark.Options();
		o.mode = TINY;
		o.progress = false;
		o.target = Paths.get( "target", "benchmark-test-no-redis" );
		o.scenarios = new java.util.LinkedHashSet<>( java.util.List.of( "twonodes" ) );
		o.redisUri = "redis://127.0.0.1:1"; // nothing listens on port 1
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		Path json = Benchmark.run( o, new PrintStream( bytes, true, StandardCharsets.UTF_8 ) );
		String printed = bytes.toString( StandardCharsets.UTF_8 );
		String text = Files.readString( json );

		assertTrue( printed.contains( "9. two nodes: NOT RUN" ), printed );
		assertTrue( text.contains( "\"run\": false" ), text );
		assertTrue( text.contains( "\"notRunBecause\": " ), text );
	}

	@Test
	void optionsAreParsed() {
		Benchmark.Options o = Benchmark.parse( new String[] { "--full", "--url", "jdbc:postgresql://127.0.0.1:5432/test",
				"--user", "postgres", "--scenarios", "drain,memory", "--no-progress", "--redis-uri", "redis://cache:6380" } );
		assertSame( Mode.FULL, o.mode );
		assertEquals( "postgres", o.user );
		assertEquals( java.util.List.of( "drain", "memory" ), java.util.List.copyOf( o.scenarios ) );
		assertFalse( o.progress );
		assertEquals( "redis://cache:6380", o.redisUri );
		assertThrows( IllegalArgumentException.class, () -> Benchmark.parse( new String[] { "--scenarios", "nope" } ) );
		assertNull( Benchmark.parse( new String[] { "--help" } ) );
	}

	private static int count(String text, String needle) {
		int n = 0;
		for ( int at = text.indexOf( needle ); at >= 0; at = text.indexOf( needle, at + 1 ) ) {
			n++;
		}
		return n;
	}
}
