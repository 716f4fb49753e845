package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.cluster.internal.CoherenceMessage;
import io.writebehind.cluster.internal.CoherenceMessage.Change;
import io.writebehind.cluster.internal.VersionLedger;
import io.writebehind.internal.config.ClusterConfig;
import io.writebehind.internal.config.WriteBehindConfig;

/** Issue 9: the message format (compact, escaped, never entity state) and the validation of the cluster settings. */
class CoherenceMessageAndSettingsTest {

	@Test
	void messagesRoundTripAndEscapeTheirSeparators() {
		CoherenceMessage message = CoherenceMessage.writes( "node1", "com.example.Counter", List.of(
				new Change( "42", "7", false ), new Change( "a|b,c~d%e", null, false ), new Change( "9", null, true ) ) );
		String text = message.encode();
		assertEquals( "wb1|node1|W|com.example.Counter|42~7,a%7cb%2cc%7ed%25e,9~-", text );
		assertEquals( message, CoherenceMessage.parse( text ) );
		assertEquals( CoherenceMessage.flushAll( "n" ), CoherenceMessage.parse( CoherenceMessage.flushAll( "n" ).encode() ) );
		assertEquals( CoherenceMessage.flushRegion( "n", "E" ),
				CoherenceMessage.parse( CoherenceMessage.flushRegion( "n", "E" ).encode() ) );
		CoherenceMessage request = CoherenceMessage.flushRequest( "n", "E", List.of( new Change( "4|2", null, false ) ) );
		assertEquals( "wb1|n|F|E|4%7c2", request.encode() );
		assertEquals( request, CoherenceMessage.parse( request.encode() ) );
		assertThrows( CoherenceMessage.MalformedMessageException.class, () -> CoherenceMessage.parse( "hello" ),
				"text of another application on the channel is ignored" );
		List<Change> many = new ArrayList<>();
		for ( int i = 0; i < 300; i++ ) {
			many.add( new Change( Long.toString( 1_000_000L + i ), Integer.toString( i ), false ) );
		}
		CoherenceMessage big = CoherenceMessage.writes( "node1", "com.example.Counter", many );
		assertEquals( big.encode().getBytes( StandardCharsets.UTF_8 ).length,
				CoherenceMessage.encodedLength( "node1", "com.example.Counter", many ) );
	}

	@Test
	void changesAreSplitIntoMessagesUnderThePayloadLimit() {
		List<Change> many = new ArrayList<>();
		for ( int i = 0; i < 1_000; i++ ) {
			many.add( new Change( Long.toString( 1_000_000_000L + i ), Integer.toString( i ), i % 7 == 0 ) );
		}
		String huge = "x".repeat( 8_000 );
		List<Change> withHuge = new ArrayList<>( many );
		withHuge.add( 500, new Change( huge, "1", false ) );
		for ( int limit : new int[] { 7_900, 200, 61 } ) {
			List<CoherenceMessage> messages = CoherenceMessage.split( "node1", CoherenceMessage.Kind.WRITES,
					"com.example.Counter", withHuge, limit );
			List<Change> carried = new ArrayList<>();
			int regionFlushes = 0;
			for ( CoherenceMessage message : messages ) {
				assertTrue( message.encodedBytes() <= limit, message.encodedBytes() + " bytes > " + limit );
				if ( message.kind() == CoherenceMessage.Kind.FLUSH_REGION ) {
					regionFlushes++;
				}
				else {
					assertFalse( message.changes().isEmpty() );
					carried.addAll( message.changes() );
				}
			}
			assertEquals( many, carried, "every change that fits travels, in order" );
			assertEquals( 1, regionFlushes, "the change too large alone makes the receivers evict the entity" );
			assertTrue( messages.size() > ( limit == 7_900 ? 2 : 50 ), "split into " + messages.size() );
			if ( limit == 7_900 ) {
				// full messages: each would pass the limit with the next change
				for ( int i = 0; i < messages.size() - 1; i++ ) {
					CoherenceMessage message = messages.get( i );
					if ( message.kind() == CoherenceMessage.Kind.WRITES
							&& messages.get( i + 1 ).kind() == CoherenceMessage.Kind.WRITES ) {
						List<Change> more = new ArrayList<>( message.changes() );
						more.add( messages.get( i + 1 ).changes().get( 0 ) );
						assertTrue( CoherenceMessage.encodedLength( "node1", "com.example.Counter", more ) > limit );
					}
				}
			}
		}
		List<CoherenceMessage> requests = CoherenceMessage.split( "n", CoherenceMessage.Kind.FLUSH_REQUEST, "E",
				List.of( new Change( "1", null, false ), new Change( huge, null, false ), new Change( "2", null, false ) ),
				7_900 );
		assertEquals( List.of( CoherenceMessage.flushRequest( "n", "E",
				List.of( new Change( "1", null, false ), new Change( "2", null, false ) ) ) ), requests );
	}

	@Test
	void ledgerKeysFitTheColumn() {
		assertEquals( "42", VersionLedger.key( "42" ) );
		String long1 = "a".repeat( 255 );
		assertEquals( long1, VersionLedger.key( long1 ) );
		String key = VersionLedger.key( long1 + "b" );
		assertEquals( 65, key.length() );
		assertTrue( key.startsWith( "#" ) );
		assertEquals( key, VersionLedger.key( long1 + "b" ), "the same on every node" );
		assertNotEquals( key, VersionLedger.key( long1 + "c" ) );
	}

	@Test
	void clusterSettingsAreValidatedWithTheKeyAndValueInTheMessage() {
		assertEquals( ClusterConfig.NONE, WriteBehindConfig.from( Map.of() ).cluster.channel );
		// a name no provider has fails the boot: ChannelProviderTest
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "bo gus" ), WriteBehindSettings.CLUSTER_CHANNEL )
				.contains( "'bo gus'" ) );
		message( Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "redis", WriteBehindSettings.CLUSTER_REDIS_URI, "http://x" ),
				WriteBehindSettings.CLUSTER_REDIS_URI );
		message( Map.of( WriteBehindSettings.CLUSTER_CHANNEL_NAME, "no spaces please" ), WriteBehindSettings.CLUSTER_CHANNEL_NAME );
		message( Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "postgresql" ), WriteBehindSettings.CLUSTER_POSTGRESQL_URL );
		message( Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "postgresql", "jakarta.persistence.jdbc.url", "jdbc:h2:mem:x" ),
				WriteBehindSettings.CLUSTER_POSTGRESQL_URL );
		ClusterConfig fromUnit = WriteBehindConfig.from( Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "PostgreSQL",
				"hibernate.connection.url", "jdbc:postgresql://db/app", "hibernate.connection.username", "app" ) ).cluster;
		assertEquals( "jdbc:postgresql://db/app", fromUnit.postgresqlUrl );
		assertEquals( "app", fromUnit.postgresqlUser );
		assertEquals( "writebehind_my_unit", fromUnit.channelName( "my unit" ) );
		assertEquals( ClusterConfig.VersionCheck.COMMIT, WriteBehindConfig.from( Map.of() ).cluster.versionCheck );
		assertEquals( "writebehind_version_ledger", WriteBehindConfig.from( Map.of() ).cluster.ledgerTable );
		assertEquals( ClusterConfig.VersionCheck.FLUSH, WriteBehindConfig.from( Map.of(
				WriteBehindSettings.CLUSTER_VERSION_CHECK, " Flush " ) ).cluster.versionCheck );
		assertEquals( "app.ledger", WriteBehindConfig.from( Map.of(
				WriteBehindSettings.CLUSTER_LEDGER_TABLE, "app.ledger" ) ).cluster.ledgerTable );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_VERSION_CHECK, "always" ),
				WriteBehindSettings.CLUSTER_VERSION_CHECK ).contains( "'always'" ) );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_LEDGER_TABLE, "ledger; drop table x" ),
				WriteBehindSettings.CLUSTER_LEDGER_TABLE ).contains( "'ledger; drop table x'" ) );
		assertEquals( "orders", WriteBehindConfig.from( Map.of( WriteBehindSettings.CLUSTER_CHANNEL_NAME, "orders" ) )
				.cluster.channelName( "x" ) );
		// claims of a journaled node outlast its restart by default; without a journal, 2 x max_delay_ms + 10 s
		assertEquals( 0, WriteBehindConfig.from( Map.of() ).cluster.claimTtlMillis );
		assertEquals( WriteBehindSettings.DEFAULT_CLUSTER_CLAIM_TTL_MS_JOURNALED, WriteBehindConfig.from( Map.of(
				WriteBehindSettings.JOURNAL_DIR, "target/claim-ttl-journal" ) ).cluster.claimTtlMillis );
		assertEquals( 90_000, WriteBehindConfig.from( Map.of( WriteBehindSettings.JOURNAL_DIR, "target/claim-ttl-journal",
				WriteBehindSettings.CLUSTER_CLAIM_TTL_MS, " 90_000 " ) ).cluster.claimTtlMillis );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_CLAIM_TTL_MS, "ten minutes" ),
				WriteBehindSettings.CLUSTER_CLAIM_TTL_MS ).contains( "'ten minutes'" ) );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_CLAIM_TTL_MS, "0" ),
				WriteBehindSettings.CLUSTER_CLAIM_TTL_MS ).contains( "was 0" ) );
	}

	@Test
	void leaseSettingsAreValidatedWithTheKeyAndValueInTheMessage() {
		ClusterConfig defaults = WriteBehindConfig.from( Map.of() ).cluster;
		assertEquals( ClusterConfig.VersionCheck.COMMIT, defaults.versionCheck, "lease is not the default" );
		assertEquals( "writebehind_lease", defaults.leaseTable );
		assertEquals( 64, defaults.leaseBuckets );
		assertEquals( 5_000, defaults.leaseTtlMillis );
		assertEquals( 2_000, defaults.leaseWaitMillis );
		assertEquals( WriteBehindSettings.DEFAULT_CLUSTER_LEASE_MIN_HOLD_MS, defaults.leaseMinHoldMillis );
		ClusterConfig lease = WriteBehindConfig.from( Map.of( WriteBehindSettings.CLUSTER_VERSION_CHECK, " Lease ",
				WriteBehindSettings.CLUSTER_LEASE_TABLE, "app.leases", WriteBehindSettings.CLUSTER_LEASE_BUCKETS, "16",
				WriteBehindSettings.CLUSTER_LEASE_TTL_MS, "1_500", WriteBehindSettings.CLUSTER_LEASE_WAIT_MS, 0 ) ).cluster;
		assertEquals( ClusterConfig.VersionCheck.LEASE, lease.versionCheck );
		assertEquals( "app.leases", lease.leaseTable );
		assertEquals( 16, lease.leaseBuckets );
		assertEquals( 1_500, lease.leaseTtlMillis );
		assertEquals( 0, lease.leaseWaitMillis );
		assertEquals( 0, lease.leaseMinHoldMillis, "not set: at most half the wait" );
		assertEquals( 25, WriteBehindConfig.from( Map.of( WriteBehindSettings.CLUSTER_LEASE_MIN_HOLD_MS, "25" ) )
				.cluster.leaseMinHoldMillis );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_LEASE_MIN_HOLD_MS, "-1" ),
				WriteBehindSettings.CLUSTER_LEASE_MIN_HOLD_MS ).contains( "was -1" ) );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_LEASE_MIN_HOLD_MS, "10001" ),
				WriteBehindSettings.CLUSTER_LEASE_MIN_HOLD_MS ).contains( "was 10001" ) );
		String tooLong = message( Map.of( WriteBehindSettings.CLUSTER_LEASE_MIN_HOLD_MS, "500",
				WriteBehindSettings.CLUSTER_LEASE_WAIT_MS, "500" ), WriteBehindSettings.CLUSTER_LEASE_MIN_HOLD_MS );
		assertTrue( tooLong.contains( "was 500" ) && tooLong.contains( WriteBehindSettings.CLUSTER_LEASE_WAIT_MS ), tooLong );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_LEASE_TABLE, "leases; drop table x" ),
				WriteBehindSettings.CLUSTER_LEASE_TABLE ).contains( "'leases; drop table x'" ) );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_LEASE_BUCKETS, "0" ),
				WriteBehindSettings.CLUSTER_LEASE_BUCKETS ).contains( "was 0" ) );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_LEASE_BUCKETS, "65537" ),
				WriteBehindSettings.CLUSTER_LEASE_BUCKETS ).contains( "was 65537" ) );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_LEASE_BUCKETS, "many" ),
				WriteBehindSettings.CLUSTER_LEASE_BUCKETS ).contains( "'many'" ) );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_LEASE_TTL_MS, "99" ),
				WriteBehindSettings.CLUSTER_LEASE_TTL_MS ).contains( "was 99" ) );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_LEASE_TTL_MS, "5 s" ),
				WriteBehindSettings.CLUSTER_LEASE_TTL_MS ).contains( "'5 s'" ) );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_LEASE_WAIT_MS, "-1" ),
				WriteBehindSettings.CLUSTER_LEASE_WAIT_MS ).contains( "was -1" ) );
		assertTrue( message( Map.of( WriteBehindSettings.CLUSTER_VERSION_CHECK, "leases" ),
				WriteBehindSettings.CLUSTER_VERSION_CHECK ).contains( "lease" ) );
		// with a journal: the node's identity is kept in the journal directory, a restart takes its leases back
		assertEquals( ClusterConfig.VersionCheck.LEASE, WriteBehindConfig.from( Map.of( WriteBehindSettings.CLUSTER_CHANNEL,
				"redis", WriteBehindSettings.CLUSTER_VERSION_CHECK, "lease", WriteBehindSettings.JOURNAL_DIR,
				"target/lease-journal" ) ).cluster.versionCheck );
		assertEquals( ClusterConfig.VersionCheck.LEASE, WriteBehindConfig.from( Map.of(
				WriteBehindSettings.CLUSTER_VERSION_CHECK, "lease", WriteBehindSettings.JOURNAL_DIR, "target/lease-journal" ) )
				.cluster.versionCheck, "without a channel the version check is not used" );
	}

	private static String message(Map<String, Object> settings, String key) {
		WriteBehindConfigurationException e = assertThrows( WriteBehindConfigurationException.class,
				() -> WriteBehindConfig.from( settings ) );
		assertTrue( e.getMessage().contains( key ), e.getMessage() );
		return e.getMessage().contains( "'bogus'" ) ? "'bogus'" : e.getMessage();
	}
}
