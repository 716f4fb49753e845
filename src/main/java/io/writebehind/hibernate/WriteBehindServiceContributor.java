package io.writebehind.hibernate;

import java.util.Map;

import org.hibernate.boot.registry.StandardServiceInitiator;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.engine.jdbc.spi.JdbcServices;
import org.hibernate.service.spi.ServiceContributor;
import org.hibernate.service.spi.ServiceRegistryImplementor;

/**
 * Contributes write-behind's {@link JdbcServices} to every Hibernate service registry (found through
 * {@code META-INF/services}): Hibernate's own, except that its select executor lets queries run outside a transaction
 * see committed pending writes (see {@link QueriesOutsideTransactions}). A registry with no write-behind factory runs
 * exactly as before: the executor only checks, per query, whether write-behind is active on the session's factory.
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
				return new QueriesOutsideTransactions.Services();
			}
		} );
	}
}
