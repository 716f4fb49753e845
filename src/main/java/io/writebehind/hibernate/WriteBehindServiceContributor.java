package io.writebehind.hibernate;

import java.util.Map;

import org.hibernate.boot.registry.StandardServiceInitiator;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.engine.jdbc.spi.JdbcServices;
import org.hibernate.query.sqm.mutation.spi.SqmMultiTableMutationStrategyProvider;
import org.hibernate.service.spi.ServiceContributor;
import org.hibernate.service.spi.ServiceRegistryImplementor;

import io.writebehind.internal.orm.HibernateInternals;

/**
 * Contributes two services to every Hibernate service registry (found through {@code META-INF/services}), each
 * Hibernate's own with its statements passed through write-behind first:
 * <ul>
 * <li>{@link JdbcServices}: its select executor lets queries run outside a transaction see committed pending writes
 * ({@link QueriesOutsideTransactions}); its mutation executor marks bulk statements ({@link BulkStatements}).</li>
 * <li>{@link SqmMultiTableMutationStrategyProvider}: the multi-table strategies' handlers mark their bulk
 * statements too ({@link BulkStatements}).</li>
 * </ul>
 * A registry with no write-behind factory runs exactly as before: the executors only check, per statement, whether
 * write-behind is active on the session's factory.
 */
public final class WriteBehindServiceContributor implements ServiceContributor {

	@Override
	public void contribute(StandardServiceRegistryBuilder serviceRegistryBuilder) {
		serviceRegistryBuilder.addInitiator( new StandardServiceInitiator<JdbcServices>() {
			@Override
			public Class<JdbcServices> getServiceInitiated() {
				return JdbcServices.class;
			}

			@Override
			public JdbcServices initiateService(Map<String, Object> configurationValues,
					ServiceRegistryImplementor registry) {
				return HibernateInternals.jdbcServices( QueriesOutsideTransactions::new, BulkStatements.Executor::new );
			}
		} );
		serviceRegistryBuilder.addInitiator( new StandardServiceInitiator<SqmMultiTableMutationStrategyProvider>() {
			@Override
			public Class<SqmMultiTableMutationStrategyProvider> getServiceInitiated() {
				return SqmMultiTableMutationStrategyProvider.class;
			}

			@Override
			public SqmMultiTableMutationStrategyProvider initiateService(Map<String, Object> configurationValues,
					ServiceRegistryImplementor registry) {
				return HibernateInternals.multiTableMutationStrategies( BulkStatements::marked );
			}
		} );
	}
}
