package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.config.WriteBehindConfig;
import io.writebehind.testing.PostgresServerProcess;
import jakarta.persistence.EntityManagerFactory;

import io.writebehind.testing.NeedsServers;

/**
 * Issue 19, point 2 on PostgreSQL: a test-owned server that accepts only TLS connections authenticated by
 * SCRAM-SHA-256; the channel connects with {@code sslmode=verify-full} against the server's test CA, and its password
 * never appears in a log line or message. The suite's database (whatever the profile) holds the entities.
 */
@NeedsServers
class PostgresChannelSecurityTest extends ChannelSecurityTestBase {

	private static Map<String, Object> postgresql(String url) {
		return Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "postgresql", WriteBehindSettings.CLUSTER_POSTGRESQL_URL, url );
	}

	@Test
	void scramOverVerifiedTls() {
		try ( PostgresServerProcess server = PostgresServerProcess.start() ) {
			String credentials = "&user=" + PostgresServerProcess.USER + "&password=" + PostgresServerProcess.PASSWORD;
			String url = server.url() + credentials;
			EntityManagerFactory a = listeningNode( postgresql( url ) );
			EntityManagerFactory b = listeningNode( postgresql( url ) );
			assertCoherent( a, b, 1L );
			assertCoherent( b, a, 2L );

			String shown = WriteBehindConfig.from( postgresql( url ) ).cluster.toString();
			assertTrue( shown.contains( "&password=***" ) && !shown.contains( PostgresServerProcess.PASSWORD ), shown );
			assertTrue( lines().stream().anyMatch( l -> l.startsWith( "WB000420: [write-behind wb-test] Cache coherence "
					+ "through the PostgreSQL channel " + channelName + " at jdbc:postgresql://127.0.0.1:" + server.port() ) && l.contains( "password=***" ) ),
					lines().toString() );

			// a wrong password: refused by SCRAM, said without the password
			EntityManagerFactory refused = node( postgresql( server.url() + "&user=" + PostgresServerProcess.USER
					+ "&password=wrong-" + PostgresServerProcess.PASSWORD ) );
			String error = awaitLine( "WB000434: [write-behind wb-test] Cannot listen on PostgreSQL channel" );
			assertTrue( error.contains( "password=***" ) && error.contains( "password authentication failed" ), error );
			assertFalse( coherence( refused ).listening() );

			// without TLS: the server has no rule for it
			String plain = "jdbc:postgresql://127.0.0.1:" + server.port() + "/wb?sslmode=disable" + credentials;
			EntityManagerFactory unencrypted = node( postgresql( plain ) );
			await( () -> lines().stream()
					.filter( l -> l.startsWith( "WB000434: [write-behind wb-test] Cannot listen on PostgreSQL" ) )
					.anyMatch( l -> l.contains( "sslmode=disable" ) && l.contains( "no encryption" ) ),
					"no refusal of the unencrypted connection: " + lines() );
			assertFalse( coherence( unencrypted ).listening() );
			assertNoSecretLogged( PostgresServerProcess.PASSWORD );
		}
	}
}
