package io.writebehind.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.AbstractDataSource;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestExecutionListeners;
import org.springframework.test.context.TestExecutionListeners.MergeMode;
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
 * {@code readOnly} transactions of cached entities run while the database is unreachable. One application (and
 * schema) per nested class, with the properties of its test.
 */
class SpringBootLifecycleTest {

	/** Connections that fail while {@link #down} is set. */
	static volatile boolean down;

	@Configuration(proxyBeanMethods = false)
	static class Pool {
		@Bean
		HikariDataSource dataSource(DataSourceProperties database) {
			DriverManagerDataSource connections = new DriverManagerDataSource( database.determineUrl(),
					database.determineUsername(), database.determinePassword() );
			HikariDataSource pool = new HikariDataSource();
			pool.setDataSource( new AbstractDataSource() {
				@Override
				public Connection getConnection() throws SQLException {
					if ( down ) {
						throw new SQLTransientConnectionException( "the database is down (test)", "08001" );
					}
					return connections.getConnection();
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

	/**
	 * The application of a nested class, on a schema of its own; closed (the TestContext framework's way), then its
	 * schema dropped, after the class.
	 */
	@SpringBootTest(classes = { TallyApplication.class, TallyBeans.class, Pool.class },
			webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
					"spring.main.banner-mode=off", "logging.level.root=warn", "writebehind.jmx.enabled=false",
					"writebehind.flush-on-shutdown=false", "writebehind.max-delay=10m" })
	@TestExecutionListeners(listeners = ClosesContext.class, mergeMode = MergeMode.MERGE_WITH_DEFAULTS)
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	abstract static class Application {

		/** The schema of the class: a static of its own, for its {@code @DynamicPropertySource}. */
		abstract TestDatabase.Schema schema();

		@Autowired
		EntityManager em; // the shared, transactional one

		@Autowired
		PlatformTransactionManager transactionManager;

		@Autowired
		WriteBehind writeBehind;

		/** Points Boot's {@code spring.datasource.*} into a schema. */
		static void database(DynamicPropertyRegistry registry, TestDatabase.Schema schema) {
			down = false;
			registry.add( "spring.datasource.url", schema::url );
			registry.add( "spring.datasource.username", schema.database()::user );
			registry.add( "spring.datasource.password", schema.database()::password );
		}

		@AfterAll
		void closeSpringThenDropTheSchema() {
			try {
				ClosesContext.close( getClass() );
			}
			finally {
				schema().drop();
			}
		}

		void persist(long firstId, int count) {
			new TransactionTemplate( transactionManager ).executeWithoutResult( status -> {
				for ( long id = firstId; id < firstId + count; id++ ) {
					em.persist( new Tally( id, "x" ) );
				}
			} );
		}

		boolean tableExists() {
			try ( Connection connection = schema().connect(); Statement statement = connection.createStatement() ) {
				statement.executeQuery( "select count(*) from wb_tally" ).close();
				return true;
			}
			catch (SQLException e) {
				return false;
			}
		}
	}

	@Nested
	class CreateDrop extends Application {

		static final TestDatabase.Schema SCHEMA = TestDatabase.current().createSchema();

		@DynamicPropertySource
		static void database(DynamicPropertyRegistry registry) {
			database( registry, SCHEMA );
			registry.add( "spring.jpa.hibernate.ddl-auto", () -> "create-drop" );
		}

		@Override
		TestDatabase.Schema schema() {
			return SCHEMA;
		}

		@Autowired
		RecordingListener listener;

		@Test
		void createDropWritesThePendingWritesBeforeItDropsTheSchema() {
			persist( 1, 250 );
			assertThat( writeBehind.stats().pending() ).isEqualTo( 250 );
			assertThat( tableExists() ).isTrue();
			ClosesContext.close( CreateDrop.class );
			assertThat( listener.written.get() ).as( "every pending write reached the table before the drop" ).isEqualTo( 250 );
			assertThat( listener.failed ).isEmpty();
			assertThat( listener.retries.get() ).isZero();
			assertThat( tableExists() ).as( "then create-drop dropped it" ).isFalse();
		}
	}

	@Nested
	class DelayedAcquisition extends Application {

		static final TestDatabase.Schema SCHEMA = TestDatabase.current().createSchema();

		@DynamicPropertySource
		static void database(DynamicPropertyRegistry registry) {
			database( registry, SCHEMA );
			registry.add( "spring.jpa.hibernate.ddl-auto", () -> "create" );
			registry.add( "spring.jpa.properties.hibernate.connection.handling_mode",
					() -> "DELAYED_ACQUISITION_AND_RELEASE_AFTER_TRANSACTION" );
		}

		@Override
		TestDatabase.Schema schema() {
			return SCHEMA;
		}

		@Autowired
		HikariDataSource dataSource;

		@Autowired
		EntityManagerFactory entityManagerFactory;

		@Test
		void readOnlyTransactionsOfCachedEntitiesRunWhileTheDatabaseIsDownWithDelayedAcquisition() {
			persist( 1, 10 );
			writeBehind.flush();
			TransactionTemplate readOnly = new TransactionTemplate( transactionManager );
			readOnly.setReadOnly( true );
			down = true;
			try {
				dataSource.getHikariPoolMXBean().softEvictConnections();
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
			}
			finally {
				down = false;
			}
			assertThat( entityManagerFactory.isOpen() ).isTrue();
		}
	}
}
