package io.writebehind.examples.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import org.hibernate.jpa.HibernatePersistenceConfiguration;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.hibernate.WriteBehindIntegratorProvider;
import jakarta.persistence.EntityManagerFactory;
import io.writebehind.examples.support.Json;
import io.writebehind.examples.support.PoolingConnectionProvider;

/**
 * The hibernate-write-behind demo: the same workload written through plain Hibernate ({@link PlainCounter}, one
 * transaction per write) and through write-behind ({@link WriteBehindCounter}), side by side, then every row of the
 * write-behind table checked with plain JDBC.
 *
 * <pre>
 * mvn -q -DskipTests install &amp;&amp; mvn -q -f examples/demo/pom.xml compile exec:java
 * mvn -q -f examples/demo/pom.xml exec:java -Dexec.args="--url jdbc:postgresql://127.0.0.1:5432/test --user postgres"
 * </pre>
 *
 * Options: {@code --url --user --password --threads --inserts --updates --hot-ids --plain-fraction --no-progress}.
 */
public final class Demo {

	/** The demo's options; see {@link #usage()}. */
	public static final class Options {
		public String url;
		public String user;
		public String password;
		public int threads = 4;
		public int inserts = 50_000;
		public int updates = 200_000;
		public int hotIds = 1_000;
		/** The share of the workload the plain-Hibernate side runs (it is much slower; per-operation figures compare). */
		public double plainFraction = 0.1;
		public boolean progress = true;
		/** Rows each side warms the JVM up with (inserted, updated twice over, removed) before it is measured. */
		public int warmUp = 1_000;
		/** Where the H2 database and the JSON results go. */
		public Path target = Paths.get( System.getProperty( "demo.target", "target" ) );
	}

	/** What a run found. */
	public record Report(Workload.Result plain, Workload.Result writeBehind, Workload.Verification plainCheck,
			Workload.Verification writeBehindCheck, List<String> failedWrites, Path json) {
		public boolean ok() {
			return plainCheck.ok() && writeBehindCheck.ok() && failedWrites.isEmpty();
		}
	}

	// strong references: java.util.logging forgets the level of a logger nobody holds
	private static final List<Logger> QUIET = new ArrayList<>();

	private Demo() {
	}

	public static void main(String[] args) throws Exception {
		Options options;
		try {
			options = parse( args );
		}
		catch (IllegalArgumentException e) {
			System.err.println( e.getMessage() );
			System.err.println( usage() );
			System.exit( 2 );
			return;
		}
		if ( options == null ) {
			System.out.println( usage() );
			return;
		}
		Report report = run( options, System.out );
		if ( !report.ok() ) {
			System.out.flush();
			System.exit( 1 );
		}
	}

	static String usage() {
		return """
				usage: Demo [options]
				  --url URL             JDBC URL (default: an H2 database file under target/demo-db, recreated each run)
				  --user NAME           database user (default: sa for H2, else the driver's default)
				  --password SECRET     database password (default: empty)
				  --threads N           writer threads (default 4)
				  --inserts N           write-behind inserts (default 50,000)
				  --updates N           write-behind read-modify-write updates (default 200,000)
				  --hot-ids N           the updates go to ids 1..N (default 1,000)
				  --plain-fraction F    share of that workload the plain-Hibernate side runs (default 0.1)
				  --warm-up N           rows each side warms up with before it is measured (default 1,000; 0: none)
				  --no-progress         no progress bar on stderr""";
	}

	static Options parse(String[] args) {
		Options o = new Options();
		for ( int i = 0; i < args.length; i++ ) {
			String arg = args[i];
			if ( arg.equals( "--help" ) || arg.equals( "-h" ) ) {
				return null;
			}
			if ( arg.equals( "--no-progress" ) ) {
				o.progress = false;
				continue;
			}
			if ( i + 1 >= args.length ) {
				throw new IllegalArgumentException( "missing value after " + arg );
			}
			String value = args[++i];
			try {
				switch ( arg ) {
					case "--url" -> o.url = value;
					case "--user" -> o.user = value;
					case "--password" -> o.password = value;
					case "--threads" -> o.threads = Integer.parseInt( value.replace( "_", "" ) );
					case "--inserts" -> o.inserts = Integer.parseInt( value.replace( "_", "" ) );
					case "--updates" -> o.updates = Integer.parseInt( value.replace( "_", "" ) );
					case "--hot-ids" -> o.hotIds = Integer.parseInt( value.replace( "_", "" ) );
					case "--plain-fraction" -> o.plainFraction = Double.parseDouble( value );
					case "--warm-up" -> o.warmUp = Integer.parseInt( value.replace( "_", "" ) );
					default -> throw new IllegalArgumentException( "unknown option " + arg );
				}
			}
			catch (NumberFormatException e) {
				throw new IllegalArgumentException( arg + " needs a number, got '" + value + "'" );
			}
		}
		if ( o.threads < 1 || o.inserts < 1 || o.updates < 0 || o.hotIds < 1 || o.hotIds > o.inserts || o.warmUp < 0 ) {
			throw new IllegalArgumentException( "need --threads >= 1, --inserts >= 1, --updates >= 0, "
					+ "1 <= --hot-ids <= --inserts and --warm-up >= 0" );
		}
		if ( !( o.plainFraction > 0 && o.plainFraction <= 1 ) ) {
			throw new IllegalArgumentException( "--plain-fraction must be in (0, 1], got " + o.plainFraction );
		}
		return o;
	}

	/** Runs the demo, prints the table to {@code out}, writes the JSON file; never calls System.exit. */
	public static Report run(Options o, PrintStream out) throws IOException, SQLException {
		quietLogging();
		Workload.Size wbSize = new Workload.Size( o.threads, o.inserts, o.updates, o.hotIds );
		Workload.Size plainSize = new Workload.Size( o.threads,
				Math.max( o.hotIds, (int) Math.round( o.inserts * o.plainFraction ) ),
				(int) Math.round( o.updates * o.plainFraction ), o.hotIds );

		Files.createDirectories( o.target );
		String url = o.url;
		String user = o.user;
		if ( url == null ) {
			Path dir = o.target.toAbsolutePath().resolve( "demo-db" );
			deleteRecursively( dir );
			// DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook must not close the database under write-behind's
			url = "jdbc:h2:file:" + dir.resolve( "demo" ) + ";DB_CLOSE_ON_EXIT=FALSE";
			if ( user == null ) {
				user = "sa";
			}
		}
		loadDriver( url );
		PoolingConnectionProvider pool = new PoolingConnectionProvider( url, user, o.password );
		String database;
		try ( Connection c = pool.openUncounted() ) {
			DatabaseMetaData md = c.getMetaData();
			database = md.getDatabaseProductName() + " " + md.getDatabaseProductVersion();
		}

		out.printf( "hibernate-write-behind demo on %s (%s), %d threads, %d cores, Java %s%n", database, redact( url ),
				o.threads, Runtime.getRuntime().availableProcessors(), System.getProperty( "java.version" ) );
		out.printf( "  write-behind:    %,d inserts, then %,d read-modify-write updates over %,d hot ids%n",
				wbSize.inserts(), wbSize.updates(), wbSize.hotIds() );
		out.printf( "  plain Hibernate: %,d inserts, then %,d updates over the same %,d hot ids%s%n",
				plainSize.inserts(), plainSize.updates(), plainSize.hotIds(), o.plainFraction < 1
						? " (scaled down to " + percent( o.plainFraction ) + " to keep the run short: it is much slower;"
						+ " per-transaction figures stay comparable)"
						: "" );
		out.printf( "  one transaction per write, one EntityManager per transaction; each side first warms up on %,d rows "
				+ "of its own (inserted, updated, removed; not counted)%n", o.warmUp );
		out.println();

		EntityManagerFactory emf = factory( pool );
		Report report;
		try {
			Workload workload = new Workload( emf, pool, o.progress );
			workload.warmUp( "write-behind", WriteBehindCounter.class, WriteBehindCounter::new, o.threads, o.warmUp, true );
			workload.warmUp( "plain Hibernate", PlainCounter.class, PlainCounter::new, o.threads, o.warmUp, false );
			Workload.Result wb = workload.run( "write-behind", "demo_wb_counter", WriteBehindCounter.class,
					WriteBehindCounter::new, wbSize, true );
			Workload.Result plain = workload.run( "plain Hibernate", "demo_plain_counter", PlainCounter.class,
					PlainCounter::new, plainSize, false );

			// every write committed so far is in the database once flush() returns (run() flushed already; this is
			// what an application does before it reads the table with something other than Hibernate)
			WriteBehind.of( emf ).flush();
			Workload.Verification wbCheck = workload.verify( wb );
			Workload.Verification plainCheck = workload.verify( plain );
			List<String> failed = WriteBehind.of( emf ).failedWrites().stream().map( Object::toString ).toList();

			printTable( out, plain, wb );
			printStats( out, WriteBehind.of( emf ).stats() );
			Path json = o.target.resolve( "demo-results.json" );
			report = new Report( plain, wb, plainCheck, wbCheck, failed, json );
			Files.writeString( json, Json.write( json( report, o, database, redact( url ) ) ), StandardCharsets.UTF_8 );
			out.println();
			out.println( "results written to " + json );
			for ( String m : plainCheck.mismatches() ) {
				out.println( "MISMATCH " + m );
			}
			for ( String m : wbCheck.mismatches() ) {
				out.println( "MISMATCH " + m );
			}
			for ( String f : failed ) {
				out.println( "FAILED WRITE " + f );
			}
			out.printf( "plain table %s: %,d rows checked, %s%n", plain.table(), plainCheck.rows(),
					plainCheck.ok() ? "all as expected" : "MISMATCHES" );
			out.printf( "write-behind table %s: ids 1..%d, totals and versions checked with plain JDBC after flush()%n",
					wb.table(), wb.expected().rows() );
			if ( report.ok() ) {
				out.println( "verified " + wbCheck.rows() + " rows" );
			}
			else {
				out.println( "VERIFICATION FAILED: " + ( wbCheck.mismatches().size() + plainCheck.mismatches().size() )
						+ " mismatch(es), " + failed.size() + " failed write(s)" );
			}
		}
		finally {
			emf.close();
			pool.close();
		}
		return report;
	}

	private static EntityManagerFactory factory(PoolingConnectionProvider pool) {
		HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "write-behind-demo" )
				.managedClass( PlainCounter.class )
				.managedClass( WriteBehindCounter.class )
				// the recommended connection set-up: the pool hands out connections with autocommit off, and says so
				.property( "hibernate.connection.provider_class", pool )
				.property( "hibernate.connection.provider_disables_autocommit", "true" )
				.property( "hibernate.integrator_provider", WriteBehindIntegratorProvider.class.getName() )
				.property( "hibernate.hbm2ddl.auto", "create" )
				.property( "hibernate.jdbc.batch_size", "500" )
				// the demo calls flush() itself and closes the factory (which drains the queue too); the shutdown
				// hook is the safety net for an application that is stopped with writes still pending
				.property( WriteBehindSettings.FLUSH_ON_SHUTDOWN, "true" );
		return configuration.createEntityManagerFactory();
	}

	// ------------------------------------------------------------------------------------------------ output

	private static final String ROW = "%-46s %16s %16s%n";

	/** The figures an operator sees (also as Micrometer meters and through JMX), at the end of the run. */
	private static void printStats(PrintStream out, io.writebehind.WriteBehindStats stats) {
		out.println();
		out.println( "write-behind figures at the end of the run (WriteBehind.stats(); the same as the writebehind.* "
				+ "meters and the JMX MBean)" );
		String row = "  %-40s %16s%n";
		out.printf( row, "pending writes", count( stats.pending() ) );
		out.printf( row, "lag (oldest pending write, ms)", count( stats.lag().toMillis() ) );
		out.printf( row, "rows flushed", count( stats.flushed() ) );
		out.printf( row, "commits coalesced", count( stats.coalesced() ) );
		out.printf( row, "flush transactions (batches)", count( stats.batches() ) );
		out.printf( row, "time in flush transactions (ms)", count( stats.flushTime().toMillis() ) );
		out.printf( row, "failed / conflicts / retried flushes", stats.failed() + " / " + stats.conflicts() + " / "
				+ stats.retries() );
		out.printf( row, "queue-full rejections", count( stats.queueFullRejections() ) );
		out.printf( row, "cache hits / misses / size", count( stats.cacheHits() ) + " / "
				+ count( stats.cacheMisses() ) + " / " + count( stats.cacheSize() ) );
		out.printf( row, "paused", stats.paused() ? "yes" : "no" );
		stats.entities().forEach( (entity, e) -> out.printf( "  %s: pending %d, flushed %d, coalesced %d, failed %d, "
				+ "conflicts %d, retried %d%n", entity.substring( entity.lastIndexOf( '.' ) + 1 ), e.pending(),
				e.flushed(), e.coalesced(), e.failed(), e.conflicts(), e.retries() ) );
	}

	private static void printTable(PrintStream out, Workload.Result plain, Workload.Result wb) {
		out.println();
		out.printf( ROW, "", "plain Hibernate", "write-behind" );
		out.printf( ROW, "inserts (persist 1 entity, commit)", count( plain.inserts().operations() ),
				count( wb.inserts().operations() ) );
		phaseRows( out, plain.inserts(), wb.inserts() );
		out.printf( ROW, "updates (find, change, commit)", count( plain.updates().operations() ),
				count( wb.updates().operations() ) );
		phaseRows( out, plain.updates(), wb.updates() );
		out.printf( ROW, "  optimistic-lock retries", count( plain.updates().retries() ),
				count( wb.updates().retries() ) );
		int plainTx = plain.size().transactions();
		int wbTx = wb.size().transactions();
		out.printf( ROW, "SQL statements (batched rows count each)", count( plain.jdbc().statements() ),
				count( wb.jdbc().statements() ) );
		out.printf( ROW, "  per transaction", ratio( plain.jdbc().statements(), plainTx ),
				ratio( wb.jdbc().statements(), wbTx ) );
		out.printf( ROW, "JDBC round trips (executions + commits)", count( plain.jdbc().roundTrips() ),
				count( wb.jdbc().roundTrips() ) );
		out.printf( ROW, "  per transaction", ratio( plain.jdbc().roundTrips(), plainTx ),
				ratio( wb.jdbc().roundTrips(), wbTx ) );
		out.printf( ROW, "connections taken from the pool", count( plain.jdbc().connections() ),
				count( wb.jdbc().connections() ) );
		out.printf( ROW, "rows coalesced (WriteBehind.stats())", "-", count( wb.coalesced() ) );
		out.printf( ROW, "rows written by the flusher / flush batches", "-",
				count( wb.flushedRows() ) + " / " + count( wb.flushBatches() ) );
		out.printf( ROW, "all writes in the database after (s)", seconds( plain.secondsUntilWritten() ),
				seconds( wb.secondsUntilWritten() ) + " *" );
		out.printf( ROW, "  per 1,000 transactions (s)", seconds( plain.secondsUntilWritten() * 1000 / plainTx ),
				seconds( wb.secondsUntilWritten() * 1000 / wbTx ) );
		out.println( "latency: from begin() to the return of commit(), one EntityManager per transaction, incl. retries" );
		out.println( "* write-behind: until WriteBehind.flush() returned; the flusher writes while the phases run" );
	}

	private static void phaseRows(PrintStream out, Workload.Phase plain, Workload.Phase wb) {
		out.printf( ROW, "  commit latency p50 (us)", micros( plain.latencies().percentileMicros( 0.50 ) ),
				micros( wb.latencies().percentileMicros( 0.50 ) ) );
		out.printf( ROW, "  commit latency p99 (us)", micros( plain.latencies().percentileMicros( 0.99 ) ),
				micros( wb.latencies().percentileMicros( 0.99 ) ) );
		out.printf( ROW, "  throughput (transactions/s)", count( Math.round( plain.throughput() ) ),
				count( Math.round( wb.throughput() ) ) );
	}

	private static String count(long n) {
		return String.format( Locale.ROOT, "%,d", n );
	}

	private static String micros(double us) {
		return String.format( Locale.ROOT, us < 100 ? "%.1f" : "%,.0f", us );
	}

	private static String ratio(long n, long d) {
		return String.format( Locale.ROOT, "%.3f", d == 0 ? 0.0 : (double) n / d );
	}

	private static String seconds(double s) {
		return String.format( Locale.ROOT, s < 0.1 ? "%.3f" : "%.2f", s );
	}

	private static String percent(double fraction) {
		return String.format( Locale.ROOT, "%.0f%%", fraction * 100 );
	}

	private static Map<String, Object> json(Report r, Options o, String database, String url) {
		Map<String, Object> root = new LinkedHashMap<>();
		root.put( "demo", "hibernate-write-behind" );
		root.put( "timestamp", Instant.now().toString() );
		root.put( "database", Map.of( "product", database, "url", url ) );
		Map<String, Object> machine = new LinkedHashMap<>();
		machine.put( "cores", Runtime.getRuntime().availableProcessors() );
		machine.put( "maxHeapBytes", Runtime.getRuntime().maxMemory() );
		machine.put( "jvm", System.getProperty( "java.vm.name" ) + " " + System.getProperty( "java.version" ) );
		machine.put( "os", System.getProperty( "os.name" ) + " " + System.getProperty( "os.version" ) + " "
				+ System.getProperty( "os.arch" ) );
		root.put( "machine", machine );
		Map<String, Object> settings = new LinkedHashMap<>();
		settings.put( "threads", o.threads );
		settings.put( "inserts", o.inserts );
		settings.put( "updates", o.updates );
		settings.put( "hotIds", o.hotIds );
		settings.put( "plainFraction", o.plainFraction );
		settings.put( "warmUpRows", o.warmUp );
		settings.put( "hibernate.jdbc.batch_size", 500 );
		settings.put( WriteBehindSettings.MAX_DELAY_MS, WriteBehindSettings.DEFAULT_MAX_DELAY_MS );
		settings.put( WriteBehindSettings.FLUSH_THRESHOLD, WriteBehindSettings.DEFAULT_FLUSH_THRESHOLD );
		settings.put( WriteBehindSettings.FLUSH_TRANSACTION_SIZE, WriteBehindSettings.DEFAULT_FLUSH_TRANSACTION_SIZE );
		root.put( "settings", settings );
		Map<String, Object> sides = new LinkedHashMap<>();
		sides.put( "plainHibernate", side( r.plain() ) );
		sides.put( "writeBehind", side( r.writeBehind() ) );
		root.put( "sides", sides );
		Map<String, Object> verification = new LinkedHashMap<>();
		verification.put( "ok", r.ok() );
		verification.put( "writeBehindRowsVerified", r.writeBehindCheck().rows() );
		verification.put( "plainRowsVerified", r.plainCheck().rows() );
		List<String> problems = new ArrayList<>( r.writeBehindCheck().mismatches() );
		problems.addAll( r.plainCheck().mismatches() );
		problems.addAll( r.failedWrites() );
		verification.put( "problems", problems );
		root.put( "verification", verification );
		return root;
	}

	private static Map<String, Object> side(Workload.Result r) {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put( "table", r.table() );
		m.put( "inserts", phase( r.inserts() ) );
		Map<String, Object> updates = phase( r.updates() );
		updates.put( "optimisticLockRetries", r.updates().retries() );
		m.put( "updates", updates );
		m.put( "sqlStatements", r.jdbc().statements() );
		m.put( "roundTrips", r.jdbc().roundTrips() );
		m.put( "commits", r.jdbc().commits() );
		m.put( "connectionsAcquired", r.jdbc().connections() );
		m.put( "sqlStatementsPerTransaction", (double) r.jdbc().statements() / r.size().transactions() );
		m.put( "roundTripsPerTransaction", (double) r.jdbc().roundTrips() / r.size().transactions() );
		if ( r.after() != null ) {
			m.put( "rowsCoalesced", r.coalesced() );
			m.put( "rowsFlushed", r.flushedRows() );
			m.put( "flushBatches", r.flushBatches() );
		}
		m.put( "secondsUntilAllWritesInDatabase", r.secondsUntilWritten() );
		return m;
	}

	private static Map<String, Object> phase(Workload.Phase p) {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put( "transactions", p.operations() );
		m.put( "seconds", p.seconds() );
		m.put( "throughputPerSecond", p.throughput() );
		m.put( "latencyP50Micros", p.latencies().percentileMicros( 0.50 ) );
		m.put( "latencyP99Micros", p.latencies().percentileMicros( 0.99 ) );
		m.put( "latencyMeanMicros", p.latencies().meanMicros() );
		return m;
	}

	// ------------------------------------------------------------------------------------------------ plumbing

	/** Hibernate's INFO messages would drown the table: warnings and errors only. */
	private static void quietLogging() {
		System.setProperty( "org.jboss.logging.provider", "jdk" );
		for ( String name : List.of( "org.hibernate", "io.writebehind", "org.mariadb" ) ) {
			Logger logger = Logger.getLogger( name );
			logger.setLevel( Level.WARNING );
			QUIET.add( logger );
		}
	}

	/**
	 * exec:java runs the demo inside Maven's JVM, where {@code DriverManager} may have looked for drivers before the
	 * demo's class path existed: load the driver the URL needs by name.
	 */
	private static void loadDriver(String url) {
		String driver = url.startsWith( "jdbc:h2:" ) ? "org.h2.Driver"
				: url.startsWith( "jdbc:postgresql:" ) ? "org.postgresql.Driver"
				: url.startsWith( "jdbc:mariadb:" ) || url.startsWith( "jdbc:mysql:" ) ? "org.mariadb.jdbc.Driver"
				: null;
		if ( driver != null ) {
			try {
				Class.forName( driver );
			}
			catch (ClassNotFoundException e) {
				throw new IllegalStateException( "JDBC driver " + driver + " is not on the class path", e );
			}
		}
	}

	private static String redact(String url) {
		return url.replaceAll( "(?i)(password=)[^;&]*", "$1***" );
	}

	private static void deleteRecursively(Path dir) throws IOException {
		if ( !Files.exists( dir ) ) {
			return;
		}
		try ( Stream<Path> paths = Files.walk( dir ) ) {
			for ( Path p : paths.sorted( Comparator.reverseOrder() ).toList() ) {
				Files.delete( p );
			}
		}
	}
}
