package io.writebehind.integration;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.hibernate.engine.jdbc.connections.internal.DataSourceConnectionProvider;
import org.hibernate.engine.jdbc.connections.spi.ConnectionProvider;
import org.hibernate.jpa.HibernatePersistenceConfiguration;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.writebehind.FailedWrite;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.SpringJpa;
import io.writebehind.testing.TestDatabase;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 13 point 4: with {@code hibernate.connection.provider_disables_autocommit=true} Hibernate trusts the pool to
 * hand out connections with autocommit off. A pool in autocommit mode (HikariCP's default) is refused at boot, through
 * Hibernate's own DataSource provider and through Spring's factory bean, with a message that names the setting and the
 * fix; a pool with autocommit off boots and its flush transactions are atomic; and should a pool hand the flusher an
 * autocommit connection anyway (the boot check passed, the pool changed), the flusher switches autocommit off for its
 * transaction: of a batch of five inserts with one duplicate, the four good rows land and {@code failedWrites()} lists
 * exactly the duplicate.
 * <p>
 * Point 5 (boot part): an embedded H2 file database that H2 closes in its own shutdown hook (no
 * {@code DB_CLOSE_ON_EXIT=FALSE}) is refused while {@code flush_on_shutdown} is on, whether the URL is Hibernate's
 * setting or a pool's; the child-JVM side is in {@code ShutdownChildJvmTest}.
 */
class ConnectionSetupTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	private HikariDataSource pool(boolean autoCommit) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl( schema.url() );
		config.setUsername( database.user() );
		config.setPassword( database.password() );
		config.setAutoCommit( autoCommit );
		config.setMaximumPoolSize( 4 );
		config.setPoolName( "connection-setup-test" );
		return new HikariDataSource( config );
	}

	private EntityManagerFactory factoryOn(Object connectionProvider, DataSource dataSource) {
		Map<String, Object> properties = new HashMap<>( defaultProperties( connections ) );
		properties.put( "hibernate.connection.provider_disables_autocommit", "true" );
		properties.put( "hibernate.hbm2ddl.auto", "update" );
		if ( dataSource != null ) {
			properties.put( "hibernate.connection.provider_class", DataSourceConnectionProvider.class.getName() );
			properties.put( "hibernate.connection.datasource", dataSource );
		}
		else {
			properties.put( "hibernate.connection.provider_class", connectionProvider );
		}
		HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "connection-setup" );
		configuration.managedClass( Counter.class );
		properties.forEach( configuration::property );
		return configuration.createEntityManagerFactory();
	}

	@Test
	void aPoolInAutocommitModeIsRefusedAtBoot() {
		try ( HikariDataSource pool = pool( true ) ) {
			RuntimeException failure = assertThrows( RuntimeException.class, () -> factoryOn( null, pool ).close() );
			assertRefusedForAutocommit( failure );
		}
	}

	@Test
	void aSpringFactoryOnAPoolInAutocommitModeIsRefusedAtBoot() {
		try ( HikariDataSource pool = pool( true ) ) {
			Map<String, Object> properties = new HashMap<>( defaultProperties( connections ) );
			properties.remove( "hibernate.connection.provider_class" );
			properties.put( "hibernate.connection.provider_disables_autocommit", "true" );
			RuntimeException failure = assertThrows( RuntimeException.class,
					() -> new SpringJpa( "spring-autocommit", pool, properties, Counter.class ).close() );
			assertRefusedForAutocommit( failure );
		}
	}

	private static void assertRefusedForAutocommit(RuntimeException failure) {
		WriteBehindConfigurationException refused = null;
		for ( Throwable t = failure; t != null; t = t.getCause() ) {
			if ( t instanceof WriteBehindConfigurationException w ) {
				refused = w;
			}
		}
		assertNotNull( refused, failure.toString() );
		String message = refused.getMessage();
		assertTrue( message.contains( "hibernate.connection.provider_disables_autocommit=true, but the connection pool "
				+ "hands out connections in autocommit mode" ), message );
		assertTrue( message.contains( "spring.datasource.hikari.auto-commit=false" ), message );
		assertTrue( message.contains( "hibernate.hikari.autoCommit=false" ), message );
	}

	@Test
	void aPoolWithAutocommitOffBootsAndItsFlushesAreAtomic() {
		try ( HikariDataSource pool = pool( false ); EntityManagerFactory factory = factoryOn( null, pool ) ) {
			assertOnlyTheDuplicateFails( factory );
		}
	}

	@Test
	void theFlusherSwitchesAutocommitOffOnAConnectionHandedOutInAutocommitMode() throws SQLException {
		try ( HikariDataSource pool = pool( true ) ) {
			AutocommitAfterBoot provider = new AutocommitAfterBoot( pool );
			try ( EntityManagerFactory factory = factoryOn( provider, null ) ) {
				provider.booted = true; // from now on connections come in autocommit mode
				try ( Connection probe = provider.getConnection() ) {
					assertTrue( probe.getAutoCommit(), "the pool now hands out autocommit connections" );
				}
				assertOnlyTheDuplicateFails( factory );
				try ( Connection probe = provider.getConnection() ) {
					assertTrue( probe.getAutoCommit(), "the flusher's connection went back to the pool as it came" );
				}
			}
		}
	}

	// ------------------------------------------------------------------------------------------------ embedded H2 at exit

	@Test
	void anEmbeddedH2FileDatabaseThatH2ClosesAtExitIsRefusedWithFlushOnShutdown() throws Exception {
		String file = h2Directory().resolve( "db" ).toString();
		assertRefusedForH2( h2Factory( "jdbc:h2:file:" + file, true, null ) );
		Path relative = Path.of( "" ).toAbsolutePath().relativize( h2Directory() );
		assertRefusedForH2( h2Factory( "jdbc:h2:./" + relative.resolve( "db" ), true, null ) );
		// the URL of a pool's DataSource is read too (drivers' metadata drops the options)
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl( "jdbc:h2:" + h2Directory().resolve( "db" ) + ";WRITE_DELAY=0" );
		config.setUsername( "sa" );
		config.setAutoCommit( false );
		try ( HikariDataSource pool = new HikariDataSource( config ) ) {
			assertRefusedForH2( h2Factory( null, true, pool ) );
		}
		// ... and a connection provider's URL property
		CountingConnectionProvider provider = new CountingConnectionProvider( new TestDatabase.Schema( TestDatabase.H2,
				"exit", "jdbc:h2:file:" + h2Directory().resolve( "db" ) ), true );
		try {
			assertRefusedForH2( () -> {
				HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "h2-exit" );
				configuration.managedClass( Counter.class );
				configuration.property( "hibernate.connection.provider_class", provider );
				configuration.property( "hibernate.connection.provider_disables_autocommit", "true" );
				configuration.property( "hibernate.hbm2ddl.auto", "create" );
				return configuration.createEntityManagerFactory();
			} );
		}
		finally {
			provider.closeAll();
		}
	}

	@Test
	void anEmbeddedH2DatabaseThatCanDrainAtExitBoots() throws Exception {
		// DB_CLOSE_ON_EXIT=FALSE (any case), or flush_on_shutdown=false, or an in-memory database (it dies with the JVM)
		h2Factory( "jdbc:h2:file:" + h2Directory().resolve( "db" ) + ";db_close_on_exit=false", true, null ).get().close();
		h2Factory( "jdbc:h2:file:" + h2Directory().resolve( "db" ), false, null ).get().close();
		h2Factory( "jdbc:h2:mem:exit_" + UUID.randomUUID().toString().replace( "-", "" ), true, null ).get().close();
	}

	private static Path h2Directory() throws java.io.IOException {
		return Files.createDirectories( Path.of( "target", "h2-exit", UUID.randomUUID().toString() ).toAbsolutePath() );
	}

	private static Supplier<EntityManagerFactory> h2Factory(String url, boolean flushOnShutdown, DataSource dataSource) {
		return () -> {
			HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "h2-exit" );
			configuration.managedClass( Counter.class );
			if ( dataSource != null ) {
				configuration.property( "hibernate.connection.datasource", dataSource );
			}
			else {
				configuration.property( "jakarta.persistence.jdbc.url", url );
				configuration.property( "jakarta.persistence.jdbc.user", "sa" );
			}
			configuration.property( "hibernate.hbm2ddl.auto", "create" );
			configuration.property( WriteBehindSettings.FLUSH_ON_SHUTDOWN, Boolean.toString( flushOnShutdown ) );
			return configuration.createEntityManagerFactory();
		};
	}

	private static void assertRefusedForH2(Supplier<EntityManagerFactory> factory) {
		RuntimeException failure = assertThrows( RuntimeException.class, () -> factory.get().close() );
		WriteBehindConfigurationException refused = null;
		for ( Throwable t = failure; t != null; t = t.getCause() ) {
			if ( t instanceof WriteBehindConfigurationException w ) {
				refused = w;
			}
		}
		assertNotNull( refused, failure.toString() );
		assertTrue( refused.getMessage().contains( "is closed by H2's own JVM shutdown hook" ), refused.getMessage() );
		assertTrue( refused.getMessage().contains( "Add ;DB_CLOSE_ON_EXIT=FALSE to the JDBC URL" ), refused.getMessage() );
		assertTrue( refused.getMessage().contains( "hibernate.writebehind.flush_on_shutdown=false" ), refused.getMessage() );
	}

	/** Five inserts in one flush batch, one of an id whose row exists already (written around write-behind). */
	private void assertOnlyTheDuplicateFails(EntityManagerFactory factory) {
		update( "insert into wb_counter (id, version, name, total) values (3, 0, 'outside', 0)" );
		inTransaction( factory, em -> {
			for ( long id = 1; id <= 5; id++ ) {
				em.persist( new Counter( id, "batch", id ) );
			}
		} );
		WriteBehind writeBehind = WriteBehind.of( factory );
		writeBehind.flush();
		assertEquals( 4, count( "select count(*) from wb_counter where name = 'batch'" ) );
		assertEquals( 1, count( "select count(*) from wb_counter where id = 3 and name = 'outside'" ) );
		List<FailedWrite> failed = writeBehind.failedWrites();
		assertEquals( 1, failed.size(), failed.toString() );
		assertEquals( 3L, failed.get( 0 ).id() );
		assertEquals( 4, writeBehind.stats().flushed() );
	}

	/** Hands out connections with autocommit off until {@link #booted}, then as the pool has them (autocommit on). */
	private static final class AutocommitAfterBoot implements ConnectionProvider {
		private final DataSource pool;
		volatile boolean booted;

		AutocommitAfterBoot(DataSource pool) {
			this.pool = pool;
		}

		@Override
		public Connection getConnection() throws SQLException {
			Connection connection = pool.getConnection();
			if ( !booted ) {
				connection.setAutoCommit( false );
			}
			return connection;
		}

		@Override
		public void closeConnection(Connection connection) throws SQLException {
			connection.close();
		}

		@Override
		public boolean supportsAggressiveRelease() {
			return false;
		}

		@Override
		public boolean isUnwrappableAs(Class<?> unwrapType) {
			return false;
		}

		@Override
		public <T> T unwrap(Class<T> unwrapType) {
			throw new UnsupportedOperationException();
		}
	}
}
