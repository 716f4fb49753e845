package io.writebehind.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.AbstractDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariDataSource;

import io.writebehind.WriteBehind;
import io.writebehind.spring.app.Tally;
import io.writebehind.spring.app.TallyApplication;
import io.writebehind.spring.app.TallyBeans;
import io.writebehind.testing.TestDatabase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;

/**
 * Starting and stopping a Spring Boot application with write-behind, on the suite's database: {@code ddl-auto=create-drop}
 * writes every pending write before the schema is dropped at context close; the connection handling mode that lets
 * {@code readOnly} transactions of cached entities run while the database is unreachable.
 */
class SpringBootLifecycleTest {

	private TestDatabase.Schema schema;
	private ConfigurableApplicationContext context;

	/** Connections that fail while {@link #down} is set. */
	static volatile boolean down;

	@Configuration(proxyBeanMethods = false)
	static class Pool {
		@Bean
		HikariDataSource dataSource(TestDatabase.Schema schema) {
			HikariDataSource pool = new HikariDataSource();
			pool.setDataSource( new AbstractDataSource() {
				@Override
				public Connection getConnection() throws SQLException {
					if ( down ) {
						throw new SQLTransientConnectionException( "the database is down (test)", "08001" );
					}
					return schema.connect();
				}

				@Override
				public Connection getConnection(String username, String password) throws SQLException {
					return getConnection();
				}
			} );
			pool.setAutoCommit( false );
			pool.setConnectionTimeout( 2_000 ); // how long a borrow waits while the database is down
			pool.setMinimumIdle( 0 );
			pool.setPoolName( "lifecycle-test" );
			return pool;
		}
	}

	@BeforeEach
	void createSchema() {
		down = false;
		schema = TestDatabase.current().createSchema();
	}

	@AfterEach
	void dropSchema() {
		try {
			if ( context != null ) {
				context.close();
			}
		}
		finally {
			schema.drop();
		}
	}

	private ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder( TallyApplication.class, TallyBeans.class, Pool.class )
				.initializers( ctx -> ctx.getBeanFactory().registerSingleton( "schema", schema ) )
				.web( WebApplicationType.NONE )
				.properties( "spring.main.banner-mode=off", "logging.level.root=warn", "writebehind.jmx.enabled=false",
						"writebehind.flush-on-shutdown=false", "writebehind.max-delay=10m" )
				.properties( properties )
				.run();
	}

	private static void persist(ConfigurableApplicationContext context, long firstId, int count) {
		EntityManager em = context.getBean( EntityManager.class ); // the shared, transactional one
		new TransactionTemplate( context.getBean( PlatformTransactionManager.class ) ).executeWithoutResult( status -> {
			for ( long id = firstId; id < firstId + count; id++ ) {
				em.persist( new Tally( id, "x" ) );
			}
		} );
	}

	private boolean tableExists() {
		try ( Connection connection = schema.connect(); Statement statement = connection.createStatement() ) {
			statement.executeQuery( "select count(*) from wb_tally" ).close();
			return true;
		}
		catch (SQLException e) {
			return false;
		}
	}

	@Test
	void createDropWritesThePendingWritesBeforeItDropsTheSchema() {
		context = start( "spring.jpa.hibernate.ddl-auto=create-drop" );
		RecordingListener listener = context.getBean( RecordingListener.class );
		persist( context, 1, 250 );
		assertThat( context.getBean( WriteBehind.class ).stats().pending() ).isEqualTo( 250 );
		assertThat( tableExists() ).isTrue();
		context.close();
		assertThat( listener.written.get() ).as( "every pending write reached the table before the drop" ).isEqualTo( 250 );
		assertThat( listener.failed ).isEmpty();
		assertThat( listener.retries.get() ).isZero();
		assertThat( tableExists() ).as( "then create-drop dropped it" ).isFalse();
		context = null;
	}

	@Test
	void readOnlyTransactionsOfCachedEntitiesRunWhileTheDatabaseIsDownWithDelayedAcquisition() {
		context = start( "spring.jpa.hibernate.ddl-auto=create",
				"spring.jpa.properties.hibernate.connection.handling_mode=DELAYED_ACQUISITION_AND_RELEASE_AFTER_TRANSACTION" );
		persist( context, 1, 10 );
		context.getBean( WriteBehind.class ).flush();
		EntityManager em = context.getBean( EntityManager.class );
		TransactionTemplate readOnly = new TransactionTemplate( context.getBean( PlatformTransactionManager.class ) );
		readOnly.setReadOnly( true );
		down = true;
		context.getBean( HikariDataSource.class ).getHikariPoolMXBean().softEvictConnections();
		long start = System.nanoTime();
		int reads = 1_000;
		for ( int i = 0; i < reads; i++ ) {
			long id = 1 + i % 10;
			Long found = readOnly.execute( status -> em.find( Tally.class, id ).getId() );
			assertThat( found ).isEqualTo( id );
		}
		long nanos = System.nanoTime() - start;
		System.out.printf( "database unreachable, handling_mode=DELAYED_ACQUISITION_AND_RELEASE_AFTER_TRANSACTION: "
				+ "%d readOnly transactions on cached ids in %.1f ms (%.1f us each), none borrowed a connection%n",
				reads, nanos / 1e6, nanos / 1e3 / reads );
		// a transaction that needs the database still fails, after the pool's connection-timeout
		assertThrows( RuntimeException.class, () -> readOnly.execute( status -> em.createQuery(
				"select count(t) from Tally t", Long.class ).getSingleResult() ) );
		down = false;
		assertThat( context.getBean( EntityManagerFactory.class ).isOpen() ).isTrue();
	}
}
