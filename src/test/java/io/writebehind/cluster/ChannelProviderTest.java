package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 15: {@code cluster.channel} chooses a {@link CoherenceChannelProvider} by its name, found through
 * {@code META-INF/services} (the test's {@link InMemoryChannelProvider}, as a user's NATS or Kafka channel would be);
 * the provider is given its own {@code hibernate.writebehind.cluster.<name>.*} settings; a bad name or setting fails
 * the boot with a message that says what to do.
 */
class ChannelProviderTest extends ChannelSecurityTestBase {

	private final String bus = "bus-" + UUID.randomUUID();

	private Map<String, Object> memory(Object... more) {
		Map<String, Object> settings = new HashMap<>();
		settings.put( WriteBehindSettings.CLUSTER_CHANNEL, InMemoryChannelProvider.NAME );
		settings.put( InMemoryChannelProvider.PREFIX + "bus", bus );
		for ( int i = 0; i < more.length; i += 2 ) {
			settings.put( (String) more[i], more[i + 1] );
		}
		return settings;
	}

	@Test
	void aProviderFoundThroughTheServiceLoaderCarriesTheMessages() {
		// a small payload limit, so that a batch of writes travels as several messages
		EntityManagerFactory a = listeningNode( memory( InMemoryChannelProvider.PREFIX + "max_bytes", "120" ) );
		EntityManagerFactory b = listeningNode( memory( InMemoryChannelProvider.PREFIX + "max_bytes", "120" ) );
		assertCoherent( a, b, 1L );
		assertCoherent( b, a, 2L );
		assertEquals( InMemoryChannelProvider.NAME, WriteBehind.of( a ).stats().cluster().channel() );
		assertTrue( lines().stream().anyMatch( l -> l.startsWith( "WB000420: [write-behind wb-test] Cache coherence "
				+ "through the in-memory bus " + bus + "/" + channelName + " (node " ) ), lines().toString() );

		// twenty ids changed in one commit: every one is evicted on the other node, in messages under the limit
		inTransaction( a, em -> {
			for ( long id = 10; id < 30; id++ ) {
				em.persist( new Counter( id, "c", 0 ) );
			}
		} );
		WriteBehind.of( a ).flush();
		for ( long id = 10; id < 30; id++ ) {
			readUntilCached( b, id );
		}
		long sent = coherence( a ).messagesSent();
		inTransaction( a, em -> {
			for ( long id = 10; id < 30; id++ ) {
				em.find( Counter.class, id ).setTotal( 5 );
			}
		} );
		WriteBehind.of( a ).flush();
		await( () -> {
			for ( long id = 10; id < 30; id++ ) {
				if ( region( b ).lookup( id ) != null ) {
					return false;
				}
			}
			return true;
		}, "node B did not evict the twenty ids" );
		// the publisher counts a message once publish returned, and the bus delivers it on another thread: node B may
		// have evicted the last id before node A counted the message that carried it
		await( () -> coherence( a ).messagesSent() - sent > 1, "one commit of twenty ids, several messages" );
		assertEquals( 5L, (long) fromTransaction( b, em -> em.find( Counter.class, 29L ).getTotal() ) );
		assertEquals( List.of(), InMemoryChannelProvider.OVERSIZED.getOrDefault( bus + "/" + channelName, List.of() ),
				"a message over the channel's maxPayloadBytes" );
	}

	@Test
	void aNameNoProviderHasFailsTheBootListingTheNamesFound() {
		WriteBehindConfigurationException e = configurationError( Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "bogus" ) );
		assertTrue( e.getMessage().startsWith( WriteBehindSettings.CLUSTER_CHANNEL + " was 'bogus', but no coherence "
				+ "channel provider of that name was found" ), e.getMessage() );
		assertTrue( e.getMessage().contains( "the names found: none, postgresql, redis, test-memory." ), e.getMessage() );
		assertTrue( e.getMessage().contains( "META-INF/services/io.writebehind.cluster.CoherenceChannelProvider" ),
				e.getMessage() );
	}

	@Test
	void theProviderChecksItsOwnSettingsAndOthersUnderItsPrefixAreUnknown() {
		Map<String, Object> noBus = memory();
		noBus.remove( InMemoryChannelProvider.PREFIX + "bus" );
		assertEquals( InMemoryChannelProvider.PREFIX + "bus was not set: name the bus the nodes share",
				configurationError( noBus ).getMessage() );

		WriteBehindConfigurationException e = configurationError( memory( InMemoryChannelProvider.PREFIX + "max_bytes",
				"many" ) );
		assertTrue( e.getMessage().startsWith( WriteBehindSettings.CLUSTER_CHANNEL + " was 'test-memory': its provider "
				+ InMemoryChannelProvider.class.getName() + " could not create the channel: "
				+ InMemoryChannelProvider.PREFIX + "max_bytes was 'many'" ), e.getMessage() );

		// the settings of a provider that is not the chosen one are unknown settings, as before
		e = configurationError( memory( "hibernate.writebehind.cluster.nats.url", "nats://x" ) );
		assertTrue( e.getMessage().startsWith( "Unknown write-behind setting(s) [hibernate.writebehind.cluster.nats.url]" ),
				e.getMessage() );
	}

	private WriteBehindConfigurationException configurationError(Map<String, Object> settings) {
		RuntimeException e = assertThrows( RuntimeException.class, () -> node( settings ) );
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			if ( t instanceof WriteBehindConfigurationException c ) {
				return c;
			}
		}
		throw new AssertionError( "not a configuration error", e );
	}
}
