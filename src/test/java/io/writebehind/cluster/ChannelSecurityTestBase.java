package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.hibernate.SessionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.cluster.internal.ClusterCoherence;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.model.Counter;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.LogCapture;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 19: nodes on authenticated, encrypted channels to test-owned servers, and what a forged or garbled message
 * does. Every log record of the library, Lettuce and the PostgreSQL driver is captured, so that a test can check that
 * no credential is ever printed.
 */
abstract class ChannelSecurityTestBase extends WriteBehindTestBase {

	protected final String channelName = "wbsec_" + UUID.randomUUID().toString().replace( "-", "" ).substring( 0, 12 );
	private final List<EntityManagerFactory> nodes = new ArrayList<>();
	private final List<CountingConnectionProvider> providers = new ArrayList<>();

	private LogCapture logs;
	/** Every record of the library (FINE and above), Lettuce, Netty, the PostgreSQL driver and Hibernate (INFO). */
	protected List<LogRecord> records;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Override
	protected Integer transactionIsolation() {
		return java.sql.Connection.TRANSACTION_READ_COMMITTED;
	}

	@BeforeEach
	void captureLogs() {
		logs = LogCapture.start( Map.of( "io.writebehind", Level.FINE, "io.lettuce", Level.INFO, "io.netty", Level.INFO,
				"org.postgresql", Level.INFO, "org.hibernate", Level.INFO ) );
		records = logs.records();
	}

	@AfterEach
	void closeNodes() {
		for ( EntityManagerFactory node : nodes ) {
			if ( node.isOpen() ) {
				node.close();
			}
		}
		providers.forEach( CountingConnectionProvider::closeAll );
		logs.close();
	}

	/** A node on this test's schema with these cluster settings (the channel name added); not awaited. */
	protected EntityManagerFactory node(Map<String, Object> overrides) {
		CountingConnectionProvider provider = new CountingConnectionProvider( schema, true );
		provider.isolation( java.sql.Connection.TRANSACTION_READ_COMMITTED ); // rows read are cached (MariaDB: REPEATABLE READ)
		providers.add( provider );
		Map<String, Object> settings = new HashMap<>( overrides );
		settings.putIfAbsent( "hibernate.hbm2ddl.auto", "none" );
		settings.put( WriteBehindSettings.CLUSTER_CHANNEL_NAME, channelName );
		EntityManagerFactory node = buildFactory( provider, settings );
		nodes.add( node );
		return node;
	}

	/** A node that listens once returned. */
	protected EntityManagerFactory listeningNode(Map<String, Object> overrides) {
		EntityManagerFactory node = node( overrides );
		await( () -> coherence( node ).listening(), "the node's coherence channel did not listen" );
		return node;
	}

	protected static ClusterCoherence coherence(EntityManagerFactory node) {
		return WriteBehindRuntime.of( node.unwrap( SessionFactory.class ) ).coherence();
	}

	protected static EntityRegion region(EntityManagerFactory node) {
		return WriteBehindRuntime.of( node.unwrap( SessionFactory.class ) ).regionOf( Counter.class.getName() );
	}

	protected static void await(BooleanSupplier condition, String what) {
		io.writebehind.testing.Await.until( Duration.ofSeconds( 30 ), what, condition );
	}

	/**
	 * Node {@code writer} changes id 1 while {@code reader} has it cached: {@code reader} must evict it (it heard the
	 * message) and then read the new total.
	 */
	protected void assertCoherent(EntityManagerFactory writer, EntityManagerFactory reader, long id) {
		long received = coherence( reader ).messagesReceived();
		boolean inserted = fromTransaction( writer, em -> {
			if ( em.find( Counter.class, id ) != null ) {
				return false;
			}
			em.persist( new Counter( id, "c", 0 ) );
			return true;
		} );
		WriteBehind.of( writer ).flush();
		if ( inserted ) {
			// the insert's message, handled before the reader caches the row (else it would evict it later)
			await( () -> coherence( reader ).messagesReceived() > received, "the reader did not hear the insert" );
		}
		long[] before = { readUntilCached( reader, id ) };
		long beforeUpdate = coherence( reader ).messagesReceived();
		inTransaction( writer, em -> em.find( Counter.class, id ).setTotal( before[0] + 1 ) );
		WriteBehind.of( writer ).flush();
		await( () -> coherence( reader ).messagesReceived() > beforeUpdate && region( reader ).lookup( id ) == null,
				"the reader did not evict id " + id );
		long after = fromTransaction( reader, em -> em.find( Counter.class, id ).getTotal() );
		assertEquals( before[0] + 1, after );
	}

	/**
	 * Reads the id on the node until the node caches it (a message of the writer's commit may arrive after a first
	 * read and evict it, or mark it so that the read is not cached); returns its total.
	 */
	protected static long readUntilCached(EntityManagerFactory node, long id) {
		long[] total = new long[1];
		await( () -> {
			total[0] = fromTransaction( node, em -> em.find( Counter.class, id ).getTotal() );
			return region( node ).lookup( id ) != null;
		}, "the node did not cache id " + id );
		return total[0];
	}

	protected static String text(LogRecord record) {
		String message = record.getParameters() == null || record.getParameters().length == 0 ? record.getMessage()
				: String.format( record.getMessage().contains( "{0" ) ? record.getMessage().replaceAll( "\\{\\d+}", "%s" )
						: record.getMessage(), record.getParameters() );
		return message + ( record.getThrown() == null ? "" : " " + throwableText( record.getThrown() ) );
	}

	private static String throwableText(Throwable thrown) {
		StringBuilder text = new StringBuilder();
		for ( Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause() ) {
			text.append( t ).append( ' ' );
		}
		return text.toString();
	}

	protected List<String> lines() {
		List<String> lines = new ArrayList<>();
		for ( LogRecord record : records ) {
			try {
				lines.add( text( record ) );
			}
			catch (RuntimeException e) {
				lines.add( record.getMessage() + " " + java.util.Arrays.toString( record.getParameters() ) );
			}
		}
		return lines;
	}

	/** No captured log line (message, parameters, exception chain) contains any of the {@code secrets}. */
	protected void assertNoSecretLogged(String... secrets) {
		List<String> lines = lines();
		assertFalse( lines.isEmpty() );
		for ( String line : lines ) {
			for ( String secret : secrets ) {
				assertFalse( line.contains( secret ), "a log line prints a credential: " + line );
			}
		}
		for ( LogRecord record : records ) {
			for ( Object parameter : record.getParameters() == null ? new Object[0] : record.getParameters() ) {
				for ( String secret : secrets ) {
					assertFalse( String.valueOf( parameter ).contains( secret ), "a log parameter prints a credential" );
				}
			}
		}
	}

	protected String awaitLine(String start) {
		String[] found = new String[1];
		await( () -> {
			for ( String line : lines() ) {
				if ( line.startsWith( start ) ) {
					found[0] = line;
					return true;
				}
			}
			return false;
		}, "no log line starting with '" + start + "'" );
		return found[0];
	}
}
