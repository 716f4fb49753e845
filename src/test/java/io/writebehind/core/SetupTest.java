package io.writebehind.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.hibernate.SessionFactory;
import org.hibernate.cfg.Configuration;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.model.Note;
import io.writebehind.testing.FakeTicker;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

/** Settings validation, installation through the provider and META-INF/services, the opt-out. */
class SetupTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class, Note.class };
	}

	@Test
	@SuppressWarnings("deprecation")
	void badSettingsFailTheBootNamingKeyAndValue() {
		assertBootFails( Map.of( WriteBehindSettings.BATCH_SIZE, "-5" ), "hibernate.writebehind.batch_size was -5, must be >= 1" );
		assertBootFails( Map.of( WriteBehindSettings.FLUSH_THRESHOLD, "0" ), "hibernate.writebehind.flush_threshold was 0, must be >= 1" );
		assertBootFails( Map.of( WriteBehindSettings.JDBC_BATCH_SIZE, "200000" ),
				"hibernate.writebehind.jdbc_batch_size was 200000, must be <= hibernate.writebehind.flush_transaction_size (100000)" );
		assertBootFails( Map.of( WriteBehindSettings.BATCH_SIZE, "500", WriteBehindSettings.FLUSH_THRESHOLD, "1000" ),
				"hibernate.writebehind.batch_size was 500 and hibernate.writebehind.flush_threshold was 1000: " );
		assertBootFails( Map.of( WriteBehindSettings.MAX_DELAY_MS, "soon" ), "hibernate.writebehind.max_delay_ms was 'soon', must be a whole number" );
		assertBootFails( Map.of( WriteBehindSettings.FLUSH_ON_SHUTDOWN, "yes" ), "hibernate.writebehind.flush_on_shutdown was 'yes', must be true or false" );
		assertBootFails( Map.of( WriteBehindSettings.FLUSHER_THREADS, "0" ), "hibernate.writebehind.flusher_threads was 0, must be >= 1" );
		assertBootFails( Map.of( WriteBehindSettings.QUEUE_CAPACITY, "0" ), "hibernate.writebehind.queue_capacity was 0, must be >= 1" );
		assertBootFails( Map.of( WriteBehindSettings.CACHE_MAXIMUM_SIZE, "-1" ), "hibernate.writebehind.cache.maximum_size was -1, must be >= 0" );
		assertBootFails( Map.of( "hibernate.writebehind.batchsize", "5" ), "Unknown write-behind setting(s) [hibernate.writebehind.batchsize]" );
		assertBootFails( Map.of( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "500", WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "100" ),
				"hibernate.writebehind.retry.max_backoff_ms was 100, must be >= hibernate.writebehind.retry.initial_backoff_ms (500)" );
	}

	@Test
	void theInternalTickerSettingTakesOnlyATicker() {
		assertBootFails( Map.of( FakeTicker.SETTING, "fast" ), "hibernate.writebehind.internal.ticker was 'fast' (a "
				+ "java.lang.String), must be an instance of com.github.benmanes.caffeine.cache.Ticker; it is for the "
				+ "library's own tests, remove it otherwise" );
	}

	private void assertBootFails(Map<String, Object> settings, String message) {
		RuntimeException failure = assertThrows( RuntimeException.class, () -> buildFactory( connections, settings ).close() );
		WriteBehindConfigurationException cause = null;
		for ( Throwable t = failure; t != null; t = t.getCause() ) {
			if ( t instanceof WriteBehindConfigurationException w ) {
				cause = w;
			}
		}
		assertNotNull( cause, failure.toString() );
		assertTrue( cause.getMessage().startsWith( message ), cause.getMessage() );
	}

	@Test
	void providerAndServiceLoaderTogetherInstallOnce() {
		// the base registers the provider; META-INF/services lists the integrator too: one install, one write
		inTransaction( em -> em.persist( new Counter( 1L, "a", 1 ) ) );
		writeBehind().flush();
		assertEquals( 1, connections.sql().rows( "insert", "wb_counter" ) );
		assertEquals( 1, writeBehind().stats().flushed() );
	}

	@Test
	void aPlainHibernateBootstrapFindsTheIntegratorThroughServiceLoader() {
		Configuration configuration = new Configuration();
		configuration.addAnnotatedClass( Counter.class );
		Map<String, Object> properties = defaultProperties( connections );
		properties.remove( "hibernate.integrator_provider" );
		properties.forEach( configuration.getProperties()::put );
		try ( SessionFactory factory = configuration.buildSessionFactory() ) {
			factory.inTransaction( session -> session.persist( new Counter( 9L, "native", 9 ) ) );
			assertEquals( 0, count( "select count(*) from wb_counter" ) );
			WriteBehind.of( factory ).flush();
			assertEquals( 1, count( "select count(*) from wb_counter where id = 9" ) );
		}
	}

	@Test
	void closingTheFactoryDrainsTheQueue() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 1 ) ) );
		emf.close();
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
		assertThrows( IllegalArgumentException.class, () -> WriteBehind.of( emf ) );
	}

	@Test
	void writeBehindCanBeSwitchedOff() {
		try ( EntityManagerFactory plain = buildFactory( connections, Map.of( WriteBehindSettings.ENABLED, "false" ) ) ) {
			inTransaction( plain, em -> em.persist( new Counter( 5L, "sync", 1 ) ) );
			assertEquals( 1, count( "select count(*) from wb_counter where id = 5" ) );
			assertThrows( IllegalArgumentException.class, () -> WriteBehind.of( plain ) );
		}
	}
}
