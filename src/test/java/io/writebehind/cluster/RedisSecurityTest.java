package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;
import io.writebehind.internal.config.WriteBehindConfig;
import io.writebehind.testing.RedisServerProcess;
import io.writebehind.testing.TestCertificates;
import jakarta.persistence.EntityManagerFactory;

import io.writebehind.testing.NeedsServers;

/**
 * Issue 19, points 2 and 3 on Redis: test-owned servers with a password, an ACL user and TLS; no credential in any log
 * line or message; garbled and forged messages are counted and ignored, and the node keeps hearing valid ones.
 */
@NeedsServers
class RedisSecurityTest extends ChannelSecurityTestBase {

	private static final String DEFAULT_PASSWORD = "rEdis-default-pw-19";
	private static final String ACL_PASSWORD = "n0de-acl-pw-19";
	private static final String SECRET = "shared-cluster-secret-0001";
	private static final String OTHER_SECRET = "another-cluster-secret-0002";

	@TempDir
	Path temp;

	private static Map<String, Object> redis(String uri) {
		return Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "redis", WriteBehindSettings.CLUSTER_REDIS_URI, uri );
	}

	private static Map<String, Object> redis(String uri, String key, Object value) {
		return Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "redis", WriteBehindSettings.CLUSTER_REDIS_URI, uri, key, value );
	}

	@Test
	void passwordAndAclUserNeverPrinted() {
		try ( RedisServerProcess server = RedisServerProcess.start( List.of( "--requirepass", DEFAULT_PASSWORD,
				"--user", "wbnode", "on", ">" + ACL_PASSWORD, "~*", "&*", "+@all" ) ) ) {
			String host = "127.0.0.1:" + server.port();
			EntityManagerFactory aclNode = listeningNode( redis( "redis://wbnode:" + ACL_PASSWORD + "@" + host ) );
			EntityManagerFactory passwordNode = listeningNode( redis( "redis://" + DEFAULT_PASSWORD + "@" + host ) );
			assertCoherent( aclNode, passwordNode, 1L );
			assertCoherent( passwordNode, aclNode, 2L );

			// a wrong password: the node says so, naming the server by its masked URI
			EntityManagerFactory refused = node( redis( "redis://wbnode:wrong-" + ACL_PASSWORD + "@" + host ) );
			String error = awaitLine( "WB000433: [write-behind wb-test] Cannot subscribe to Redis channel" );
			assertTrue( error.contains( "redis://wbnode:***@" + host ), error );
			assertFalse( coherence( refused ).listening() );

			String settings = WriteBehindConfig.from( redis( "redis://wbnode:" + ACL_PASSWORD + "@" + host ) ).cluster.toString();
			assertTrue( settings.startsWith( "cluster.channel=redis (redis://wbnode:***@" + host + ")" ), settings );
			assertTrue( lines().stream().anyMatch( l -> l.startsWith( "WB000420: [write-behind wb-test] Cache coherence "
					+ "through the Redis channel " + channelName + " at redis://***@" + host ) ), lines().toString() );
			assertFalse( WriteBehind.of( aclNode ).toString().contains( ACL_PASSWORD ) );
			assertNoSecretLogged( DEFAULT_PASSWORD, ACL_PASSWORD );
		}
	}

	@Test
	void configurationErrorsMaskTheUri() {
		WriteBehindConfigurationException e = configurationError( redis( "http://user:" + ACL_PASSWORD + "@127.0.0.1:1" ) );
		assertTrue( e.getMessage().contains( "http://user:***@127.0.0.1:1" ), e.getMessage() );
		assertFalse( e.getMessage().contains( ACL_PASSWORD ), e.getMessage() );
		e = configurationError( redis( "redis://127.0.0.1:1", WriteBehindSettings.CLUSTER_SECRET, "short-secret" ) );
		assertTrue( e.getMessage().startsWith( WriteBehindSettings.CLUSTER_SECRET + " was 12 character(s) long" ),
				e.getMessage() );
		assertFalse( e.getMessage().contains( "short-secret" ), e.getMessage() );
	}

	@Test
	void tlsWithVerifiedCertificate() {
		TestCertificates tls = TestCertificates.generate( temp.resolve( "tls" ) );
		try ( RedisServerProcess server = RedisServerProcess.start( List.of( "--port", "0", "--tls-port", "<port>",
				"--tls-cert-file", tls.certificate().toString(), "--tls-key-file", tls.key().toString(),
				"--tls-ca-cert-file", tls.ca().toString(), "--tls-auth-clients", "no", "--requirepass", DEFAULT_PASSWORD ) ) ) {
			String uri = "rediss://" + DEFAULT_PASSWORD + "@127.0.0.1:" + server.port();
			Map<String, Object> trusted = redis( uri, WriteBehindSettings.CLUSTER_REDIS_TRUSTED_CERTIFICATES,
					tls.ca().toString() );
			EntityManagerFactory a = listeningNode( trusted );
			EntityManagerFactory b = listeningNode( trusted );
			assertCoherent( a, b, 1L );

			// certificate verification is on by default: the JVM's trust store does not know the test CA
			EntityManagerFactory untrusting = node( redis( uri ) );
			String error = awaitLine( "WB000433: [write-behind wb-test] Cannot subscribe to Redis channel" );
			assertTrue( error.contains( "rediss://***@127.0.0.1:" + server.port() ), error );
			assertFalse( coherence( untrusting ).listening() );
			assertNoSecretLogged( DEFAULT_PASSWORD );
		}
	}

	@Test
	void garbledMessagesAreCountedLoggedOnceAndIgnored() {
		try ( RedisServerProcess server = RedisServerProcess.start();
				RedisClient client = RedisClient.create( server.uri() );
				StatefulRedisConnection<String, String> raw = client.connect() ) {
			EntityManagerFactory a = listeningNode( redis( server.uri() ) );
			EntityManagerFactory b = listeningNode( redis( server.uri() ) );
			assertCoherent( a, b, 1L );
			Random random = new Random( 19 );
			String valid = "wb1|forger|W|" + io.writebehind.model.Counter.class.getName() + "|1~5";
			int sent = 0;
			for ( int i = 0; i < 1_000; i++ ) {
				String text = switch ( i % 5 ) {
					case 0 -> "wb1|x|W|E|%zz"; // the bad escape that threw before
					case 1 -> valid.substring( 0, random.nextInt( valid.length() - 4 ) ); // truncated
					case 2 -> "wb1|x|Q|E|1"; // unknown kind
					case 3 -> "wb1|x|W|E|1~2~3~4|sig|more"; // too many fields
					default -> "x".repeat( 70_000 + random.nextInt( 1_000 ) ); // over the limit
				};
				raw.sync().publish( channelName, text );
				sent++;
			}
			int expected = sent;
			await( () -> coherence( b ).malformedMessages() == expected, "node B did not count " + expected
					+ " malformed messages (" + coherence( b ).malformedMessages() + ")" );
			WriteBehindStats.ClusterStats stats = WriteBehind.of( b ).stats().cluster();
			assertEquals( expected, stats.malformedMessages() );
			// node B still hears node A
			assertCoherent( a, b, 2L );
			long logged = lines().stream().filter( l -> l.startsWith( "WB000380: " ) ).count();
			// each of the two nodes logs them once (a minute has not passed)
			assertTrue( logged >= 1 && logged <= 2, "malformed messages are logged once a minute: " + logged );
			for ( LogRecord record : records ) {
				if ( record.getLoggerName().startsWith( "io.lettuce" ) || record.getLoggerName().startsWith( "io.netty" ) ) {
					assertTrue( record.getLevel().intValue() < Level.WARNING.intValue(),
							"the Redis client logged: " + text( record ) );
				}
			}
		}
	}

	@Test
	void signedMessagesOnly() throws Exception {
		try ( RedisServerProcess server = RedisServerProcess.start();
				RedisClient client = RedisClient.create( server.uri() );
				StatefulRedisConnection<String, String> raw = client.connect() ) {
			EntityManagerFactory a = listeningNode( redis( server.uri(), WriteBehindSettings.CLUSTER_SECRET, SECRET ) );
			EntityManagerFactory b = listeningNode( redis( server.uri(), WriteBehindSettings.CLUSTER_SECRET, SECRET ) );
			assertCoherent( a, b, 1L );
			assertEquals( 0, coherence( b ).malformedMessages() );
			String settings = WriteBehindConfig.from( redis( server.uri(), WriteBehindSettings.CLUSTER_SECRET, SECRET ) )
					.cluster.toString();
			assertTrue( settings.endsWith( ", messages signed" ) && !settings.contains( SECRET ), settings );

			// b has id 1 cached; forged "evict everything" and "id 1 changed" messages change nothing there
			readUntilCached( b, 1L );
			String entity = io.writebehind.model.Counter.class.getName();
			List<String> forged = List.of( "wb1|forger|A||", "wb1|forger|W|" + entity + "|1~99",
					"wb1|forger|W|" + entity + "|1~99|" + sign( "wb1|forger|W|" + entity + "|1~99", OTHER_SECRET ),
					"wb1|forger|A|||AAAA" );
			for ( String text : forged ) {
				raw.sync().publish( channelName, text );
			}
			await( () -> coherence( b ).malformedMessages() == forged.size(), "node B did not ignore the forged messages" );
			assertNotNull( region( b ).lookup( 1L ), "an unsigned or badly signed message evicted an entry" );

			// one signed with the shared secret is obeyed (what a holder of the secret can do)
			raw.sync().publish( channelName, "wb1|forger|A|||" + sign( "wb1|forger|A||", SECRET ) );
			await( () -> region( b ).lookup( 1L ) == null, "a correctly signed message was not obeyed" );

			// rotation: a node that signs with a new secret and accepts the old one hears the old nodes, and is heard
			// by the nodes that accept the new one
			EntityManagerFactory rotated = listeningNode( Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "redis",
					WriteBehindSettings.CLUSTER_REDIS_URI, server.uri(), WriteBehindSettings.CLUSTER_SECRET, OTHER_SECRET,
					WriteBehindSettings.CLUSTER_PREVIOUS_SECRET, SECRET ) );
			assertCoherent( a, rotated, 3L );
			long before = coherence( a ).malformedMessages();
			inTransaction( rotated, em -> em.find( io.writebehind.model.Counter.class, 3L ).setTotal( 42 ) );
			WriteBehind.of( rotated ).flush();
			await( () -> coherence( a ).malformedMessages() > before, "a node with the old secret only did not refuse "
					+ "the message signed with the new one" );
			assertNoSecretLogged( SECRET, OTHER_SECRET );
		}
	}

	private WriteBehindConfigurationException configurationError(Map<String, Object> settings) {
		RuntimeException e = assertThrows( RuntimeException.class, () -> node( settings ) );
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			if ( t instanceof WriteBehindConfigurationException c ) {
				assertFalse( String.valueOf( e.getMessage() ).contains( ACL_PASSWORD ) );
				return c;
			}
		}
		throw new AssertionError( "not a configuration error", e );
	}

	private static String sign(String text, String secret) throws Exception {
		Mac mac = Mac.getInstance( "HmacSHA256" );
		mac.init( new SecretKeySpec( secret.getBytes( StandardCharsets.UTF_8 ), "HmacSHA256" ) );
		return Base64.getUrlEncoder().withoutPadding().encodeToString( mac.doFinal( text.getBytes( StandardCharsets.UTF_8 ) ) );
	}
}
