package io.writebehind.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
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
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariDataSource;

import io.writebehind.FailedWrite;
import io.writebehind.WriteBehind;
import io.writebehind.spring.app.Tally;
import io.writebehind.spring.app.TallyApplication;
import io.writebehind.spring.app.TallyBeans;
import io.writebehind.testing.TestDatabase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;

/**
 * A Spring Boot application with write-behind, on a real HikariCP pool, on the suite's database
 * ({@code -Ppostgresql}, {@code -Pmariadb}): the health component, the endpoint's operations, listener, resolver and
 * failure handler beans, and what a {@code readOnly} transaction meets while the database is unreachable.
 */
@SpringBootTest(classes = { TallyApplication.class, TallyBeans.class, SpringBootIntegrationTest.Pool.class },
		webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
				"spring.jpa.hibernate.ddl-auto=create",
				"writebehind.max-delay=10m", // written on demand: flush()
				"writebehind.flush-on-shutdown=false",
				"writebehind.jmx.enabled=false",
				"writebehind.queue-capacity=40",
				"writebehind.health.max-queue-fill=0.5",
				"writebehind.health.max-outage=1ms",
				"writebehind.retry.initial-backoff=10ms",
				"writebehind.retry.max-backoff=50ms",
				"writebehind.conflict-policy=io.writebehind.spring.app.TallyBeans$AuditingResolver",
				"writebehind.failure-handler=io.writebehind.spring.app.TallyBeans$AuditingHandler",
				"management.endpoints.web.exposure.include=writebehind",
				"spring.main.banner-mode=off", "logging.level.root=warn" })
@TestExecutionListeners(listeners = ClosesContext.class, mergeMode = MergeMode.MERGE_WITH_DEFAULTS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpringBootIntegrationTest {

	private static final TestDatabase.Schema SCHEMA = TestDatabase.current().createSchema();

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		registry.add( "spring.datasource.url", SCHEMA::url );
		registry.add( "spring.datasource.username", SCHEMA.database()::user );
		registry.add( "spring.datasource.password", SCHEMA.database()::password );
	}

	@Configuration(proxyBeanMethods = false)
	static class Pool {

		/**
		 * A HikariCP pool (autocommit off, as Boot's {@code spring.datasource.hikari.auto-commit=false} makes it) over
		 * connections that can be made to fail: what an unreachable database looks like to the application.
		 */
		@Bean
		HikariDataSource dataSource(Switch database) {
			HikariDataSource pool = new HikariDataSource();
			pool.setDataSource( database.connections() );
			pool.setAutoCommit( false );
			pool.setConnectionTimeout( 2_000 ); // how long a borrow waits while the database is down
			pool.setMinimumIdle( 0 );
			pool.setMaximumPoolSize( 5 );
			pool.setPoolName( "outage-test" );
			return pool;
		}

		@Bean
		Switch database(DataSourceProperties database) {
			return new Switch( new DriverManagerDataSource( database.determineUrl(), database.determineUsername(),
					database.determinePassword() ) );
		}
	}

	/** Whether the database is reachable: its connections, or a failure to connect while {@link #down} is set. */
	static final class Switch {
		private final DataSource database;
		volatile boolean down;

		Switch(DataSource database) {
			this.database = database;
		}

		DataSource connections() {
			return new AbstractDataSource() {
				@Override
				public Connection getConnection() throws SQLException {
					if ( down ) {
						throw new SQLTransientConnectionException( "the database is down (test)", "08001" );
					}
					return database.getConnection();
				}

				@Override
				public Connection getConnection(String username, String password) throws SQLException {
					return getConnection();
				}
			};
		}
	}

	@Autowired
	WriteBehind writeBehind;

	@Autowired
	WriteBehindEndpoint endpoint;

	@Autowired
	HealthIndicator writeBehindHealthIndicator;

	@Autowired
	RecordingListener listener;

	@Autowired
	TallyBeans.Audit audit;

	@Autowired
	TallyBeans.AuditingResolver resolver;

	@Autowired
	TallyBeans.AuditingHandler handler;

	@Autowired
	PlatformTransactionManager transactionManager;

	@Autowired
	HikariDataSource dataSource;

	@Autowired
	Switch database;

	@PersistenceContext
	EntityManager em;

	@AfterAll
	void closeSpringThenDropTheSchema() {
		try {
			ClosesContext.close( SpringBootIntegrationTest.class ); // drains to the schema before it goes
		}
		finally {
			SCHEMA.drop();
		}
	}

	private TransactionTemplate transaction() {
		return new TransactionTemplate( transactionManager );
	}

	private void persist(long firstId, int count, String label) {
		transaction().executeWithoutResult( status -> {
			for ( long id = firstId; id < firstId + count; id++ ) {
				em.persist( new Tally( id, label ) );
			}
		} );
	}

	private void increment(long id) {
		transaction().executeWithoutResult( status -> em.find( Tally.class, id ).increment() );
	}

	private long rows(String sql) {
		try ( Connection connection = SCHEMA.connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery( sql ) ) {
			rs.next();
			return rs.getLong( 1 );
		}
		catch (SQLException e) {
			throw new IllegalStateException( e );
		}
	}

	private static void await(String what, BooleanSupplier condition) {
		io.writebehind.testing.Await.until( Duration.ofSeconds( 60 ), what, condition );
	}

	@Test
	void endpointOperationsAndHealthWhenTheQueueFillsUp() {
		persist( 100, 3, "a" );
		@SuppressWarnings("unchecked")
		Map<String, Object> figures = (Map<String, Object>) ( (Map<String, Object>) endpoint.stats().get( "units" ) )
				.get( "entityManagerFactory" );
		assertThat( (Long) figures.get( "pending" ) ).isGreaterThanOrEqualTo( 3 );
		assertThat( figures ).containsEntry( "queueCapacity", 40L ).containsKeys( "lagMillis", "outageMillis", "entities" );
		assertThat( endpoint.act( "flush" ) ).isEqualTo( Map.of( "action", "flush", "units",
				Map.of( "entityManagerFactory", Map.of( "flushed", true ) ) ) );
		assertThat( rows( "select count(*) from wb_tally where id between 100 and 102" ) ).isEqualTo( 3 );

		endpoint.act( "pause" );
		try {
			Health paused = writeBehindHealthIndicator.health();
			assertThat( paused.getStatus() ).as( "a pause is an operator's choice, not a failure" ).isEqualTo( Status.UP );
			assertThat( paused.getDetails() ).containsEntry( "paused", true );
			persist( 200, 20, "b" ); // 20 of 40: max-queue-fill=0.5
			Health full = writeBehindHealthIndicator.health();
			assertThat( full.getStatus() ).isEqualTo( Status.DOWN );
			assertThat( full.getDetails().get( "reason" ).toString() ).contains( "the queue is nearly full" );
		}
		finally {
			endpoint.act( "resume" );
		}
		writeBehind.flush();
		assertThat( writeBehindHealthIndicator.health().getStatus() ).isEqualTo( Status.UP );
		assertThat( rows( "select count(*) from wb_tally where id between 200 and 219" ) ).isEqualTo( 20 );
		assertThat( listener.written.get() ).as( "the listener bean was told, without being registered" )
				.isGreaterThanOrEqualTo( 23 );
	}

	@Test
	void theResolverAndTheHandlerNamedInTheSettingsAreTheSpringBeans() {
		persist( 300, 1, "c" );
		writeBehind.flush();
		// the row changes behind write-behind's back
		try ( Connection connection = SCHEMA.connect(); Statement statement = connection.createStatement() ) {
			statement.executeUpdate( "update wb_tally set version = version + 1, total = 42 where id = 300" );
			if ( !connection.getAutoCommit() ) {
				connection.commit();
			}
		}
		catch (SQLException e) {
			throw new IllegalStateException( e );
		}
		increment( 300 );
		writeBehind.flush();
		assertThat( resolver.audit ).isSameAs( audit );
		assertThat( audit.conflicts ).contains( 300L );
		assertThat( rows( "select total from wb_tally where id = 300" ) ).as( "the resolver kept the database's row" )
				.isEqualTo( 42 );

		persist( 301, 1, "far too long for 8" );
		writeBehind.flush();
		assertThat( handler.audit ).isSameAs( audit );
		assertThat( audit.failures ).extracting( FailedWrite::id ).contains( 301L );
		assertThat( listener.failed ).extracting( FailedWrite::id ).contains( 301L );
	}

	@Test
	void whileTheDatabaseIsUnreachableHealthGoesDownAndReadOnlyTransactionsFail() {
		persist( 400, 1, "d" );
		writeBehind.flush();
		database.down = true;
		dataSource.getHikariPoolMXBean().softEvictConnections(); // the pooled connections go with the database
		try {
			long start = System.nanoTime();
			increment( 400 ); // a read-write transaction on a cached entity needs no connection
			long readWrite = System.nanoTime() - start;
			start = System.nanoTime();
			TransactionTemplate readOnly = transaction();
			readOnly.setReadOnly( true );
			assertThrows( CannotCreateTransactionException.class,
					() -> readOnly.execute( status -> em.find( Tally.class, 400L ).getTotal() ),
					"a readOnly transaction borrows a connection at begin" );
			long failedRead = System.nanoTime() - start;
			System.out.printf( "database unreachable (HikariCP connection-timeout 2 s): read-write transaction "
					+ "on a cached id %.2f ms, readOnly transaction on the same id failed after %.0f ms%n",
					readWrite / 1e6, failedRead / 1e6 );

			assertThat( writeBehind.flush( Duration.ofMillis( 300 ) ) ).isFalse();
			await( "in an outage", () -> writeBehind.stats().outage().compareTo( Duration.ofMillis( 1 ) ) > 0 );
			Health down = writeBehindHealthIndicator.health();
			assertThat( down.getStatus() ).isEqualTo( Status.DOWN );
			assertThat( down.getDetails().get( "reason" ).toString() ).contains( "unable to write" );
		}
		finally {
			database.down = false;
		}
		writeBehind.flush();
		assertThat( writeBehind.stats().outage() ).isEqualTo( Duration.ZERO );
		assertThat( writeBehindHealthIndicator.health().getStatus() ).isEqualTo( Status.UP );
		assertThat( rows( "select total from wb_tally where id = 400" ) ).isEqualTo( 1 );
	}
}
