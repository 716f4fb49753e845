package io.writebehind.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.metrics.WriteBehindMetrics;
import io.writebehind.spring.app.Tally;
import io.writebehind.spring.plain.PlainEntity;
import jakarta.persistence.EntityManagerFactory;

/**
 * The auto-configuration's conditions and back-off, the properties' mapping and validation, with Spring Boot's
 * {@link ApplicationContextRunner} (no server; an in-memory H2 database per context: the conditions do not depend on
 * the database, the {@code @SpringBootTest} tests of this package run on the suite's).
 */
class WriteBehindAutoConfigurationTest {

	private static final AutoConfigurations WRITE_BEHIND = AutoConfigurations.of( WriteBehindAutoConfiguration.class,
			WriteBehindHealthAutoConfiguration.class, WriteBehindEndpointAutoConfiguration.class,
			WriteBehindMetricsAutoConfiguration.class );

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration( AutoConfigurations.of( DataSourceAutoConfiguration.class,
					HibernateJpaAutoConfiguration.class ) )
			.withConfiguration( WRITE_BEHIND )
			.withPropertyValues( "spring.datasource.url=" + h2Url(), "spring.jpa.hibernate.ddl-auto=create-drop",
					"spring.datasource.hikari.auto-commit=false", "writebehind.jmx.enabled=false",
					"management.endpoints.web.exposure.include=writebehind" );

	private static String h2Url() {
		return "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE";
	}

	@Configuration(proxyBeanMethods = false)
	@AutoConfigurationPackage(basePackageClasses = Tally.class)
	static class TallyEntities {
	}

	@Configuration(proxyBeanMethods = false)
	@AutoConfigurationPackage(basePackageClasses = PlainEntity.class)
	static class PlainEntities {
	}

	@Test
	void everyBeanWhenWriteBehindIsActive() {
		runner.withUserConfiguration( TallyEntities.class ).run( context -> {
			assertThat( context ).hasNotFailed();
			assertThat( context ).hasSingleBean( WriteBehind.class ).hasBean( "writeBehind" );
			assertThat( context ).hasSingleBean( WriteBehindEndpoint.class ).hasSingleBean( WriteBehindMeterBinder.class );
			assertThat( context ).hasBean( "writeBehindHealthIndicator" );
			WriteBehind writeBehind = context.getBean( WriteBehind.class );
			EntityManagerFactory emf = context.getBean( EntityManagerFactory.class );
			assertThat( writeBehind.stats().entities() ).containsOnlyKeys( Tally.class.getName() );
			Health health = context.getBean( "writeBehindHealthIndicator", HealthIndicator.class ).health();
			assertThat( health.getStatus() ).isEqualTo( Status.UP );
			assertThat( health.getDetails() ).containsKeys( "pending", "failedWrites", "lag", "outage", "paused" );
			SimpleMeterRegistry registry = new SimpleMeterRegistry();
			context.getBean( WriteBehindMeterBinder.class ).bindTo( registry );
			assertThat( registry.get( "writebehind.pending" ).gauge() ).isNotNull();
			// Boot turns spring.datasource.hikari.auto-commit=false into provider_disables_autocommit itself
			assertThat( emf.getProperties().get( "hibernate.connection.provider_disables_autocommit" ) ).isEqualTo( "true" );
		} );
	}

	@Test
	void noBeanWithoutAnEntityManagerFactory() {
		new ApplicationContextRunner().withConfiguration( WRITE_BEHIND ).run( context -> {
			assertThat( context ).hasNotFailed();
			assertThat( context ).doesNotHaveBean( WriteBehind.class ).doesNotHaveBean( WriteBehindEndpoint.class )
					.doesNotHaveBean( WriteBehindMeterBinder.class ).doesNotHaveBean( WriteBehindProperties.class )
					.doesNotHaveBean( "writeBehindHealthIndicator" );
		} );
	}

	@Test
	void noBeanAndSynchronousWritesWhenDisabled() {
		runner.withUserConfiguration( TallyEntities.class ).withPropertyValues( "writebehind.enabled=false" ).run( context -> {
			assertThat( context ).hasNotFailed();
			assertThat( context ).doesNotHaveBean( WriteBehind.class ).doesNotHaveBean( WriteBehindEndpoint.class )
					.doesNotHaveBean( WriteBehindMeterBinder.class ).doesNotHaveBean( "writeBehindHealthIndicator" );
			EntityManagerFactory emf = context.getBean( EntityManagerFactory.class );
			assertThat( emf.getProperties().get( WriteBehindSettings.ENABLED ) ).isEqualTo( "false" );
			assertThat( WriteBehindUnits.of( emf ) ).isNull();
		} );
	}

	@Test
	void noWriteBehindBeanForAFactoryWithoutOptedInEntities() {
		runner.withUserConfiguration( PlainEntities.class ).run( context -> {
			assertThat( context ).hasNotFailed();
			assertThat( context.getBeansOfType( WriteBehind.class ) ).isEmpty();
			assertThat( context.getBeanProvider( WriteBehind.class ).getIfAvailable() ).isNull();
			Health health = context.getBean( "writeBehindHealthIndicator", HealthIndicator.class ).health();
			assertThat( health.getStatus() ).isEqualTo( Status.UNKNOWN );
			assertThat( context.getBean( WriteBehindEndpoint.class ).stats() ).isEqualTo( Map.of( "units", Map.of() ) );
		} );
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnBeans {
		@Bean
		WriteBehind myWriteBehind(EntityManagerFactory emf) {
			return WriteBehind.of( emf.unwrap( SessionFactoryImplementor.class ) );
		}

		@Bean
		HealthIndicator writeBehindHealthIndicator() {
			return () -> Health.outOfService().build();
		}

		@Bean
		WriteBehindMetrics myMetrics(EntityManagerFactory emf) {
			return new WriteBehindMetrics( emf.unwrap( SessionFactoryImplementor.class ), null );
		}
	}

	@Test
	void backsOffWhereTheApplicationDefinesTheBeans() {
		runner.withUserConfiguration( TallyEntities.class, OwnBeans.class ).run( context -> {
			assertThat( context ).hasNotFailed();
			assertThat( context ).hasSingleBean( WriteBehind.class ).hasBean( "myWriteBehind" )
					.doesNotHaveBean( "writeBehind" ).doesNotHaveBean( WriteBehindMeterBinder.class );
			assertThat( context.getBean( "writeBehindHealthIndicator", HealthIndicator.class ).health().getStatus() )
					.isEqualTo( Status.OUT_OF_SERVICE );
		} );
	}

	@Test
	void noMeterBinderWithoutMicrometer() {
		runner.withUserConfiguration( TallyEntities.class ).withClassLoader( new FilteredClassLoader( MeterBinder.class ) )
				.run( context -> {
					assertThat( context ).hasNotFailed();
					assertThat( context ).doesNotHaveBean( WriteBehindMeterBinder.class ).hasSingleBean( WriteBehind.class )
							.hasSingleBean( WriteBehindEndpoint.class );
				} );
	}

	@Test
	void noEndpointWhenItIsNotExposed() {
		runner.withUserConfiguration( TallyEntities.class )
				.withPropertyValues( "management.endpoints.web.exposure.include=health" )
				.run( context -> assertThat( context ).hasNotFailed().doesNotHaveBean( WriteBehindEndpoint.class )
						.hasSingleBean( WriteBehind.class ) );
	}

	/** Two factories of the application's own, on two databases, the first primary. */
	@Configuration(proxyBeanMethods = false)
	static class TwoFactories {
		@Bean
		@Primary
		LocalContainerEntityManagerFactoryBean ordersEntityManagerFactory() {
			return factory( "orders", Tally.class.getPackageName() );
		}

		@Bean
		LocalContainerEntityManagerFactoryBean statsEntityManagerFactory() {
			return factory( "stats", Tally.class.getPackageName() );
		}

		@Bean
		LocalContainerEntityManagerFactoryBean plainEntityManagerFactory() {
			return factory( "plain", PlainEntity.class.getPackageName() );
		}

		private static LocalContainerEntityManagerFactoryBean factory(String unit, String entities) {
			LocalContainerEntityManagerFactoryBean factory = new LocalContainerEntityManagerFactoryBean();
			DataSource dataSource = new DriverManagerDataSource( h2Url() );
			factory.setDataSource( dataSource );
			factory.setPackagesToScan( entities );
			factory.setPersistenceUnitName( unit );
			factory.setJpaVendorAdapter( new HibernateJpaVendorAdapter() );
			factory.getJpaPropertyMap().put( "hibernate.hbm2ddl.auto", "create-drop" );
			factory.getJpaPropertyMap().put( WriteBehindSettings.JMX_ENABLED, "false" );
			return factory;
		}
	}

	@Test
	void oneWriteBehindPerFactoryThePrimaryFactorysPrimary() {
		new ApplicationContextRunner().withConfiguration( WRITE_BEHIND ).withUserConfiguration( TwoFactories.class )
				.withPropertyValues( "management.endpoints.web.exposure.include=writebehind" )
				.run( context -> {
					assertThat( context ).hasNotFailed();
					assertThat( context.getBeansOfType( WriteBehind.class ) ).containsOnlyKeys(
							"ordersEntityManagerFactoryWriteBehind", "statsEntityManagerFactoryWriteBehind" );
					WriteBehind orders = context.getBean( "ordersEntityManagerFactoryWriteBehind", WriteBehind.class );
					WriteBehind stats = context.getBean( "statsEntityManagerFactoryWriteBehind", WriteBehind.class );
					assertThat( context.getBean( WriteBehind.class ) ).isSameAs( orders );
					orders.pause();
					assertThat( orders.isPaused() ).isTrue();
					assertThat( stats.isPaused() ).isFalse();
					orders.resume();
					assertThat( context.getBean( WriteBehindEndpoint.class ).stats().get( "units" ) )
							.asInstanceOf( org.assertj.core.api.InstanceOfAssertFactories.MAP )
							.containsOnlyKeys( "ordersEntityManagerFactory", "statsEntityManagerFactory" );
					Health health = context.getBean( "writeBehindHealthIndicator", HealthIndicator.class ).health();
					assertThat( health.getStatus() ).isEqualTo( Status.UP );
					assertThat( health.getDetails() ).containsOnlyKeys( "ordersEntityManagerFactory",
							"statsEntityManagerFactory" );
					SimpleMeterRegistry registry = new SimpleMeterRegistry();
					context.getBean( WriteBehindMeterBinder.class ).bindTo( registry );
					assertThat( registry.find( "writebehind.pending" ).gauges() ).hasSize( 2 );
				} );
	}

	@Test
	void springPropertiesBecomeHibernateSettings() {
		runner.withUserConfiguration( TallyEntities.class ).withPropertyValues( "writebehind.max-delay=250ms",
				"writebehind.flush-threshold=64", "writebehind.flush-transaction-size=48", "writebehind.jdbc-batch-size=16",
				"writebehind.conflict-policy=last-write-wins",
				"writebehind.query-consistency=eventual", "writebehind.retry.max-backoff=2s",
				"writebehind.cache.maximum-size=1000", "writebehind.journal.segment-size=2MB",
				"writebehind.listeners=io.writebehind.spring.RecordingListener" )
				.run( context -> {
					assertThat( context ).hasNotFailed();
					Map<String, Object> settings = context.getBean( EntityManagerFactory.class ).getProperties();
					assertThat( settings ).containsEntry( WriteBehindSettings.MAX_DELAY_MS, "250" )
							.containsEntry( WriteBehindSettings.FLUSH_THRESHOLD, "64" )
							.containsEntry( WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "48" )
							.containsEntry( WriteBehindSettings.JDBC_BATCH_SIZE, "16" )
							.containsEntry( WriteBehindSettings.CONFLICT_POLICY, "LAST_WRITE_WINS" )
							.containsEntry( WriteBehindSettings.QUERY_CONSISTENCY, "EVENTUAL" )
							.containsEntry( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "2000" )
							.containsEntry( WriteBehindSettings.CACHE_MAXIMUM_SIZE, "1000" )
							.containsEntry( WriteBehindSettings.JOURNAL_SEGMENT_BYTES, String.valueOf( 2 * 1024 * 1024 ) )
							.containsEntry( WriteBehindSettings.LISTENERS, "io.writebehind.spring.RecordingListener" )
							.doesNotContainKey( WriteBehindSettings.QUEUE_CAPACITY );
				} );
	}

	@Test
	void springJpaPropertiesWinOverWritebehindProperties() {
		runner.withUserConfiguration( TallyEntities.class ).withPropertyValues( "writebehind.flush-threshold=64",
				"spring.jpa.properties.hibernate.writebehind.flush_threshold=32",
				"spring.jpa.properties.hibernate.writebehind.queue_capacity=77" )
				.run( context -> {
					assertThat( context ).hasNotFailed();
					Map<String, Object> settings = context.getBean( EntityManagerFactory.class ).getProperties();
					assertThat( settings ).containsEntry( WriteBehindSettings.FLUSH_THRESHOLD, "32" )
							.containsEntry( WriteBehindSettings.QUEUE_CAPACITY, "77" );
					assertThat( context.getBean( WriteBehind.class ).stats().queueCapacity() ).isEqualTo( 77 );
				} );
	}

	@Test
	@SuppressWarnings("deprecation")
	void theDeprecatedBatchSizePropertyStillBindsAndMapsOntoTheDeprecatedSetting() {
		runner.withUserConfiguration( TallyEntities.class ).withPropertyValues( "writebehind.batch-size=64" )
				.run( context -> {
					assertThat( context ).hasNotFailed();
					Map<String, Object> settings = context.getBean( EntityManagerFactory.class ).getProperties();
					assertThat( settings ).containsEntry( WriteBehindSettings.BATCH_SIZE, "64" )
							.doesNotContainKey( WriteBehindSettings.FLUSH_THRESHOLD );
				} );
		runner.withUserConfiguration( TallyEntities.class )
				.withPropertyValues( "writebehind.batch-size=64", "writebehind.flush-threshold=32" ).run( context -> {
					assertThat( context ).hasFailed();
					assertThat( rootMessage( context.getStartupFailure() ) ).contains( "writebehind.batch-size was '64'",
							"writebehind.batch-size [hibernate.writebehind.batch_size] was 64 and writebehind.flush-threshold "
									+ "[hibernate.writebehind.flush_threshold] was 32" );
				} );
	}

	@Test
	void badValuesFailTheStartNamingTheSpringProperty() {
		assertStartFails( "writebehind.batch-size=0", "writebehind.batch-size was '0'", "must be >= 1" );
		assertStartFails( "writebehind.flush-threshold=0", "writebehind.flush-threshold was '0'", "must be >= 1" );
		assertStartFails( "writebehind.flush-threshold=200000", "writebehind.flush-threshold was '200000'",
				"must be <= hibernate.writebehind.queue_capacity (100000)" );
		assertStartFails( "writebehind.jdbc-batch-size=6000", "writebehind.jdbc-batch-size was '6000'",
				"must be <= hibernate.writebehind.flush_transaction_size (5000)" );
		assertStartFails( "writebehind.max-delay=-5ms", "writebehind.max-delay was '-5ms'", "must be >= 0" );
		assertStartFails( "writebehind.flusher-threads=100", "writebehind.flusher-threads was '100'", "must be <= 64" );
		assertStartFails( "writebehind.conflict-policy=sometimes", "writebehind.conflict-policy was 'sometimes'",
				"must be fail, database-wins, last-write-wins or the class name" );
		assertStartFails( "writebehind.failure-handler=java.lang.String", "writebehind.failure-handler was 'java.lang.String'",
				"does not implement io.writebehind.WriteFailureHandler" );
		assertStartFails( "writebehind.listeners=com.example.Missing", "writebehind.listeners was '[com.example.Missing]'",
				"no class com.example.Missing" );
		assertStartFails( "writebehind.journal.fsync=sometimes", "writebehind.journal.fsync was 'sometimes'" );
		assertStartFails( "writebehind.cluster.channel=carrier-pigeon", "writebehind.cluster.channel was 'carrier-pigeon'" );
		assertStartFails( "writebehind.health.max-queue-fill=1.5", "writebehind.health.max-queue-fill was '1.5'" );
		assertStartFails( "writebehind.cluster.claim-ttl=-1s", "writebehind.cluster.claim-ttl was '-1000ms'" );
		// a secret is never printed, not even as Spring's rejected value
		runner.withUserConfiguration( TallyEntities.class ).withPropertyValues( "writebehind.cluster.secret=tooShortSecret" )
				.run( context -> {
					assertThat( context ).hasFailed();
					assertThat( context.getStartupFailure() ).hasStackTraceContaining( "writebehind.cluster.secret" );
					java.io.StringWriter trace = new java.io.StringWriter();
					context.getStartupFailure().printStackTrace( new java.io.PrintWriter( trace ) );
					assertThat( trace.toString() ).doesNotContain( "tooShortSecret" );
				} );
		// two settings together: the message names both Spring properties
		runner.withUserConfiguration( TallyEntities.class )
				.withPropertyValues( "writebehind.retry.initial-backoff=60s", "writebehind.retry.max-backoff=1s" )
				.run( context -> assertThat( context ).hasFailed().getFailure().rootCause().message()
						.contains( "writebehind.retry.max-backoff [hibernate.writebehind.retry.max_backoff_ms] was 1000" )
						.contains( "writebehind.retry.initial-backoff" ) );
		// a value of the wrong type: Spring Boot's own binding error names the property
		runner.withUserConfiguration( TallyEntities.class ).withPropertyValues( "writebehind.batch-size=many" )
				.run( context -> assertThat( context ).hasFailed().getFailure().hasStackTraceContaining(
						"writebehind.batch-size" ) );
	}

	private void assertStartFails(String property, String... expected) {
		runner.withUserConfiguration( TallyEntities.class ).withPropertyValues( property ).run( context -> {
			assertThat( context ).hasFailed();
			String message = rootMessage( context.getStartupFailure() );
			for ( String text : expected ) {
				assertThat( message ).as( property ).contains( text );
			}
		} );
	}

	private static String rootMessage(Throwable failure) {
		Throwable root = failure;
		while ( root.getCause() != null ) {
			root = root.getCause();
		}
		return root.getMessage();
	}
}
