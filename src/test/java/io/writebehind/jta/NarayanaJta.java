package io.writebehind.jta;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import javax.sql.DataSource;

import org.hibernate.engine.transaction.jta.platform.internal.JBossStandAloneJtaPlatform;

import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.agroal.narayana.NarayanaTransactionIntegration;
import io.writebehind.testing.TestDatabase;
import jakarta.transaction.TransactionManager;

/**
 * Standalone Narayana (its object store under target/) and an Agroal pool whose connections are enlisted in the
 * current JTA transaction (non-XA connections as the last resource, one connection per transaction): the set-up of a
 * Quarkus application. {@link #properties} turns a test factory into a JTA one.
 */
final class NarayanaJta {

	static {
		try {
			Path store = Path.of( "target", "narayana" ).toAbsolutePath();
			arjPropertyManager.getObjectStoreEnvironmentBean().setObjectStoreDir( store.toString() );
			BeanPopulator.getNamedInstance( ObjectStoreEnvironmentBean.class, "communicationStore" )
					.setObjectStoreDir( store.toString() );
			BeanPopulator.getNamedInstance( ObjectStoreEnvironmentBean.class, "stateStore" )
					.setObjectStoreDir( store.toString() );
			arjPropertyManager.getCoreEnvironmentBean().setNodeIdentifier( "wb-test" );
			// a loaded machine must not time a transaction out (Narayana's default is 60 s)
			arjPropertyManager.getCoordinatorEnvironmentBean().setDefaultTimeout( 600 );
		}
		catch (Exception e) {
			throw new ExceptionInInitializerError( e );
		}
	}

	private NarayanaJta() {
	}

	static TransactionManager transactionManager() {
		return com.arjuna.ats.jta.TransactionManager.transactionManager();
	}

	/** An enlisting pool on the URL, with metrics (closed by the caller). */
	static AgroalDataSource dataSource(TestDatabase database, String url) {
		var integration = new NarayanaTransactionIntegration( transactionManager(),
				new com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple() );
		try {
			return AgroalDataSource.from( new AgroalDataSourceConfigurationSupplier().metricsEnabled( true ).connectionPoolConfiguration(
					pool -> pool.maxSize( 30 ).acquisitionTimeout( Duration.ofMinutes( 2 ) )
							.transactionIntegration( integration )
							.connectionFactoryConfiguration( factory -> factory.jdbcUrl( url )
									.principal( new NamePrincipal( database.user() ) )
									.credential( new SimplePassword( database.password() ) ) ) ) );
		}
		catch (java.sql.SQLException e) {
			throw new IllegalStateException( e );
		}
	}

	/** Replaces the test base's connection provider by the JTA data source and Hibernate's JTA coordinator. */
	static void properties(Map<String, Object> properties, DataSource dataSource) {
		properties.remove( "hibernate.connection.provider_class" );
		properties.remove( "hibernate.connection.provider_disables_autocommit" );
		// what transaction-type="JTA" in persistence.xml selects; this programmatic bootstrap needs it said
		properties.put( "hibernate.transaction.coordinator_class", "jta" );
		properties.put( "hibernate.connection.datasource", dataSource );
		properties.put( "hibernate.transaction.jta.platform", JBossStandAloneJtaPlatform.class.getName() );
	}
}
