package io.writebehind.cluster;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * The servers the coherence channels of the cluster tests use, whatever database the suite runs on: PostgreSQL
 * (for LISTEN/NOTIFY) and Redis (pub/sub). Both are required: an unreachable one fails the test with a message saying
 * how to start it; nothing is skipped.
 */
final class ClusterServers {

	static final String REDIS_URI = System.getProperty( "writebehind.test.redis.uri",
			System.getenv().getOrDefault( "WRITEBEHIND_TEST_REDIS_URI", "redis://127.0.0.1:6379" ) );

	/** How .ci/run starts Redis; the fault tests restart it the same way. */
	static final List<String> REDIS_START = List.of( "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1 -::1",
			"--port", "6379", "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile",
			"/var/log/redis/ci.log" );

	private ClusterServers() {
	}

	static String postgresqlUrl() {
		String url = System.getProperty( "writebehind.test.postgresql.url",
				System.getenv().getOrDefault( "WRITEBEHIND_TEST_POSTGRESQL_URL", "jdbc:postgresql://127.0.0.1:5432/test" ) );
		String user = System.getProperty( "writebehind.test.postgresql.user",
				System.getenv().getOrDefault( "WRITEBEHIND_TEST_POSTGRESQL_USER", "postgres" ) );
		String password = System.getProperty( "writebehind.test.postgresql.password",
				System.getenv().getOrDefault( "WRITEBEHIND_TEST_POSTGRESQL_PASSWORD", "" ) );
		return url + ( url.contains( "?" ) ? "&" : "?" ) + "user=" + user + ( password.isEmpty() ? "" : "&password=" + password );
	}

	/** Fails (never skips) when PostgreSQL is not reachable. */
	static void requirePostgresql() {
		try ( Connection connection = DriverManager.getConnection( postgresqlUrl() ) ) {
			connection.isValid( 2 );
		}
		catch (SQLException e) {
			throw new AssertionError( "The PostgreSQL coherence channel tests need PostgreSQL (whatever database the "
					+ "suite runs on), and it is not reachable at " + postgresqlUrl() + ": " + e.getMessage() + ". Start "
					+ "it with 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' or point "
					+ "writebehind.test.postgresql.url at a running server", e );
		}
	}

	/** Runs SQL on PostgreSQL (outside any test schema). */
	static void postgresql(String sql) {
		try ( Connection connection = DriverManager.getConnection( postgresqlUrl() );
				Statement statement = connection.createStatement() ) {
			statement.execute( sql );
		}
		catch (SQLException e) {
			throw new IllegalStateException( sql, e );
		}
	}

	static boolean redisUp() {
		RedisURI uri = RedisURI.create( REDIS_URI );
		uri.setTimeout( Duration.ofSeconds( 2 ) );
		RedisClient client = RedisClient.create( uri );
		try ( StatefulRedisConnection<String, String> connection = client.connect() ) {
			return "PONG".equals( connection.sync().ping() );
		}
		catch (RuntimeException e) {
			return false;
		}
		finally {
			client.shutdown( Duration.ZERO, Duration.ofSeconds( 1 ) );
		}
	}

	/** Fails (never skips) when Redis is not reachable. */
	static void requireRedis() {
		if ( !redisUp() ) {
			throw new AssertionError( "The Redis coherence channel tests need Redis at " + REDIS_URI + ", which does not "
					+ "answer. Start it with: redis-server --daemonize yes --bind '127.0.0.1 -::1' --port 6379 --save \"\" "
					+ "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log (or point "
					+ "writebehind.test.redis.uri at a running server)" );
		}
	}

	static void stopRedis() throws IOException, InterruptedException {
		run( List.of( "redis-cli", "-u", REDIS_URI, "shutdown", "nosave" ) );
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos( 10 );
		while ( redisUp() && System.nanoTime() < deadline ) {
			Thread.sleep( 50 );
		}
	}

	/** Starts Redis as .ci/run does, and waits until it answers (up to 20 s). */
	static void startRedis() throws IOException, InterruptedException {
		if ( redisUp() ) {
			return;
		}
		run( REDIS_START );
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos( 20 );
		while ( !redisUp() ) {
			if ( System.nanoTime() > deadline ) {
				throw new AssertionError( "Redis did not come back after " + REDIS_START );
			}
			Thread.sleep( 100 );
		}
	}

	private static void run(List<String> command) throws IOException, InterruptedException {
		Process process = new ProcessBuilder( command ).redirectErrorStream( true ).start();
		process.getInputStream().transferTo( java.io.OutputStream.nullOutputStream() );
		process.waitFor( 20, TimeUnit.SECONDS );
	}
}
