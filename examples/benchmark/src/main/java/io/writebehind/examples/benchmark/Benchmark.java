package io.writebehind.examples.benchmark;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.writebehind.WriteBehindSettings;
import io.writebehind.examples.support.Json;

/**
 * The benchmark harness: ten end-to-end scenarios, each measuring write-behind side by side with its baseline in the
 * same run, printed as tables and written to ONE JSON file, {@code target/benchmark-<db>.json}.
 *
 * <pre>
 * mvn -q -f examples/benchmark/pom.xml compile exec:java -Dexec.args="--quick"
 * mvn -q -f examples/benchmark/pom.xml compile exec:java -Dexec.args="--full --url jdbc:postgresql://127.0.0.1:5432/test --user postgres"
 * </pre>
 */
public final class Benchmark {

	static final List<String> SCENARIOS = List.of( "insert", "hotkey", "drain", "read", "memory", "overload", "journal",
			"queryflush", "twonodes", "commit" );

	/** Options; see {@link #usage()}. */
	public static final class Options {
		public Mode mode = Mode.QUICK;
		public String url;
		public String user;
		public String password;
		public String redisUri = WriteBehindSettings.DEFAULT_CLUSTER_REDIS_URI;
		public boolean progress = true;
		public Set<String> scenarios = new LinkedHashSet<>( SCENARIOS );
		public Path target = Paths.get( System.getProperty( "benchmark.target", "target" ) );
	}

	// strong references: java.util.logging forgets the level of a logger nobody holds
	private static final List<Logger> QUIET = new ArrayList<>();

	private Benchmark() {
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
		try {
			run( options, System.out );
		}
		catch (Exception e) {
			System.out.flush();
			System.err.println();
			System.err.println( "BENCHMARK FAILED: " + e );
			e.printStackTrace();
			System.exit( 1 );
		}
	}

	static String usage() {
		return """
				usage: Benchmark [--quick | --full] [options]
				  --quick               small sizes, the whole run under 2 minutes on 2 cores (default)
				  --full                1,000,000 hot-key updates and pending writes, 10 s per latency run, 60 s overload
				  --url URL             JDBC URL (default: an H2 database file under target/bench-db, recreated)
				  --user NAME           database user (default: sa for H2, else the driver's default)
				  --password SECRET     database password (default: empty)
				  --scenarios LIST      comma-separated subset of insert,hotkey,drain,read,memory,overload,journal,queryflush,
				                        twonodes,commit (default: all)
				  --redis-uri URI       the Redis server of the two-node scenario when the database is not PostgreSQL
				                        (default: redis://127.0.0.1:6379; not reachable: the scenario is not run)
				  --no-progress         no progress bars on stderr
				writes target/benchmark-<h2|postgresql|mariadb>.json""";
	}

	static Options parse(String[] args) {
		Options o = new Options();
		for ( int i = 0; i < args.length; i++ ) {
			String arg = args[i];
			switch ( arg ) {
				case "--help", "-h" -> {
					return null;
				}
				case "--quick" -> o.mode = Mode.QUICK;
				case "--full" -> o.mode = Mode.FULL;
				case "--no-progress" -> o.progress = false;
				case "--url", "--user", "--password", "--redis-uri", "--scenarios" -> {
					if ( i + 1 >= args.length ) {
						throw new IllegalArgumentException( "missing value after " + arg );
					}
					String value = args[++i];
					switch ( arg ) {
						case "--url" -> o.url = value;
						case "--user" -> o.user = value;
						case "--password" -> o.password = value;
						case "--redis-uri" -> o.redisUri = value;
						default -> {
							o.scenarios = new LinkedHashSet<>();
							for ( String s : value.split( "," ) ) {
								if ( !SCENARIOS.contains( s.trim() ) ) {
									throw new IllegalArgumentException( "unknown scenario '" + s + "'; known: " + SCENARIOS );
								}
								o.scenarios.add( s.trim() );
							}
						}
					}
				}
				default -> throw new IllegalArgumentException( "unknown option " + arg );
			}
		}
		return o;
	}

	/** Runs the chosen scenarios, prints their tables, writes the JSON file and returns its path. */
	public static Path run(Options o, PrintStream out) throws Exception {
		quietLogging();
		Files.createDirectories( o.target );
		Env env = Env.connect( o.url, o.user, o.password, o.target );
		long started = System.nanoTime();

		Map<String, Object> root = new LinkedHashMap<>();
		root.put( "benchmark", "hibernate-write-behind" );
		root.put( "timestamp", Instant.now().toString() );
		root.put( "machine", machine() );
		Map<String, Object> database = new LinkedHashMap<>();
		database.put( "kind", env.kind );
		database.put( "product", env.product );
		database.put( "version", env.productVersion );
		database.put( "driver", env.driver );
		database.put( "url", env.safeUrl() );
		root.put( "database", database );
		Map<String, Object> settings = new LinkedHashMap<>( o.mode.json() );
		settings.put( "baseHibernateSettings", Db.baseSettings() );
		settings.put( "connectionProvider", "the benchmark's pooling provider: autocommit off, with "
				+ "hibernate.connection.provider_disables_autocommit=true" );
		settings.put( "writeBehindDefaults", Map.of( WriteBehindSettings.MAX_DELAY_MS, WriteBehindSettings.DEFAULT_MAX_DELAY_MS,
				WriteBehindSettings.FLUSH_THRESHOLD, WriteBehindSettings.DEFAULT_FLUSH_THRESHOLD,
				WriteBehindSettings.FLUSH_TRANSACTION_SIZE, WriteBehindSettings.DEFAULT_FLUSH_TRANSACTION_SIZE,
				WriteBehindSettings.JDBC_BATCH_SIZE, "hibernate.jdbc.batch_size (" + Db.baseSettings().get( "hibernate.jdbc.batch_size" ) + ")",
				WriteBehindSettings.QUEUE_CAPACITY, WriteBehindSettings.DEFAULT_QUEUE_CAPACITY ) );
		settings.put( "scenarios", new ArrayList<>( o.scenarios ) );
		root.put( "settings", settings );

		out.printf( "hibernate-write-behind benchmark, %s mode, on %s %s (%s)%n", o.mode.name(), env.product,
				env.productVersion, env.safeUrl() );
		out.printf( "%d cores, %s RAM, max heap %s, %s %s, %s%n", Runtime.getRuntime().availableProcessors(),
				Table.mb( totalMemory() ), Table.mb( Heap.max() ), System.getProperty( "java.vm.name" ),
				System.getProperty( "java.version" ), System.getProperty( "os.name" ) + " "
						+ System.getProperty( "os.version" ) );

		if ( env.kind.equals( "h2" ) ) {
			out.println( "H2 runs embedded in this JVM: its work shares the cores (and its page cache the heap) with the "
					+ "writers and the flusher" );
		}

		Map<String, Object> scenarios = new LinkedHashMap<>();
		root.put( "scenarios", scenarios );
		Path json = o.target.resolve( "benchmark-" + env.kind + ".json" );
		for ( String scenario : o.scenarios ) {
			long t0 = System.nanoTime();
			Map<String, Object> result = switch ( scenario ) {
				case "insert" -> InsertLatency.run( env, o.mode, o.progress, out );
				case "hotkey" -> HotKeyUpdates.run( env, o.mode, o.progress, out );
				case "drain" -> DrainRate.run( env, o.mode, o.progress, out );
				case "read" -> ReadAfterWrite.run( env, o.mode, o.progress, out );
				case "queryflush" -> QueryFlush.run( env, o.mode, o.progress, out );
				case "memory" -> Memory.run( env, o.mode, o.progress, out );
				case "overload" -> Overload.run( env, o.mode, o.progress, out );
				case "journal" -> JournalLatency.run( env, o.mode, o.target, o.progress, out );
				case "twonodes" -> TwoNodes.run( env, o.mode, o.redisUri, o.progress, out );
				case "commit" -> CommitCost.run( env, o.mode, o.progress, out );
				default -> throw new IllegalArgumentException( scenario );
			};
			result.put( "scenarioSeconds", ( System.nanoTime() - t0 ) / 1e9 );
			scenarios.put( scenario, result );
			root.put( "totalSeconds", ( System.nanoTime() - started ) / 1e9 );
			// written after every scenario, so that an interrupted run keeps what it measured
			Files.writeString( json, Json.write( root ), StandardCharsets.UTF_8 );
		}
		root.put( "goals", Goals.print( env.kind, scenarios, out ) );
		Files.writeString( json, Json.write( root ), StandardCharsets.UTF_8 );
		out.println();
		out.printf( "done in %s; results in %s%n", Duration.ofNanos( System.nanoTime() - started ).toSeconds() + " s",
				json.toAbsolutePath().normalize() );
		return json;
	}

	private static Map<String, Object> machine() {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put( "cores", Runtime.getRuntime().availableProcessors() );
		m.put( "cpu", cpuModel() );
		m.put( "memoryBytes", totalMemory() );
		m.put( "maxHeapBytes", Heap.max() );
		m.put( "jvm", System.getProperty( "java.vm.name" ) + " " + System.getProperty( "java.vm.version" ) + " ("
				+ System.getProperty( "java.vendor" ) + ")" );
		m.put( "jvmArguments", ManagementFactory.getRuntimeMXBean().getInputArguments() );
		m.put( "gc", ManagementFactory.getGarbageCollectorMXBeans().stream().map( b -> b.getName() ).toList() );
		m.put( "os", System.getProperty( "os.name" ) + " " + System.getProperty( "os.version" ) + " "
				+ System.getProperty( "os.arch" ) );
		return m;
	}

	private static long totalMemory() {
		if ( ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os ) {
			return os.getTotalMemorySize();
		}
		return -1;
	}

	private static String cpuModel() {
		try {
			for ( String line : Files.readAllLines( Paths.get( "/proc/cpuinfo" ) ) ) {
				if ( line.startsWith( "model name" ) ) {
					return line.substring( line.indexOf( ':' ) + 1 ).trim();
				}
			}
		}
		catch (IOException | RuntimeException e) {
			// not Linux
		}
		return System.getProperty( "os.arch" );
	}

	/** Hibernate's INFO messages would drown the tables: warnings and errors only. */
	private static void quietLogging() {
		System.setProperty( "org.jboss.logging.provider", "jdk" );
		for ( String name : List.of( "org.hibernate", "io.writebehind", "org.mariadb", "io.lettuce", "io.netty" ) ) {
			Logger logger = Logger.getLogger( name );
			logger.setLevel( Level.WARNING );
			QUIET.add( logger );
		}
	}
}
