package io.writebehind.integration;

import static org.junit.jupiter.api.Assertions.*;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
import io.writebehind.model.Counter;
import io.writebehind.testing.SpringJpa;
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
