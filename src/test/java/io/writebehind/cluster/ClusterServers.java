package io.writebehind.cluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * The servers the coherence channels of the cluster tests use, whatever database the suite runs on: PostgreSQL
 * (for LISTEN/NOTIFY) and Redis (pub/sub). Both are required: an unreachable one fails the test with a message saying
 * how to start it; nothing is skipped. They are shared with everything else on the machine: no test stops, restarts or
 * reconfigures them (a test that kills Redis runs its own, {@link io.writebehind.testing.RedisServerProcess}), and a
 * test terminates only its own PostgreSQL connections.
 */
final class ClusterServers {

	static final String REDIS_URI = System.getProperty( "writebehind.test.redis.uri",
			System.getenv().getOrDefault( "WRITEBEHIND_TEST_REDIS_URI", "redis://127.0.0.1:6379" ) );

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
}
