package io.writebehind.testing;

import java.util.Map;

import javax.sql.DataSource;

import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.persistenceunit.PersistenceManagedTypes;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;
import org.springframework.transaction.support.TransactionTemplate;

import jakarta.persistence.EntityManagerFactory;

/**
 * An {@code EntityManagerFactory} built as a Spring application builds it ({@link LocalContainerEntityManagerFactoryBean}
 * with {@link HibernateJpaVendorAdapter}, as Spring Boot does), without an application context: the factory is
 * Spring's proxy of Hibernate's, and transactions run through {@link JpaTransactionManager} with Spring's
 * {@code HibernateJpaDialect}, which translates exceptions as a Spring application sees them.
 */
public final class SpringJpa implements AutoCloseable {

	private final LocalContainerEntityManagerFactoryBean bean;
	private final JpaTransactionManager transactionManager;

	public SpringJpa(String unitName, Map<String, Object> properties, Class<?>... entities) {
		this( unitName, null, properties, entities );
	}

	/** With the application's {@code DataSource} (as Spring Boot passes its pool), or {@code null}. */
	public SpringJpa(String unitName, DataSource dataSource, Map<String, Object> properties, Class<?>... entities) {
		bean = new LocalContainerEntityManagerFactoryBean();
		bean.setPersistenceUnitName( unitName );
		if ( dataSource != null ) {
			bean.setDataSource( dataSource );
		}
		bean.setJpaVendorAdapter( new HibernateJpaVendorAdapter() );
		String[] names = new String[entities.length];
		for ( int i = 0; i < entities.length; i++ ) {
			names[i] = entities[i].getName();
		}
		bean.setManagedTypes( PersistenceManagedTypes.of( names ) );
		bean.setJpaPropertyMap( properties );
		bean.afterPropertiesSet();
		transactionManager = new JpaTransactionManager( bean.getObject() );
		transactionManager.afterPropertiesSet();
	}

	/** The factory the application is given: Spring's proxy. */
	public EntityManagerFactory factory() {
		return bean.getObject();
	}

	public JpaTransactionManager transactionManager() {
		return transactionManager;
	}

	/** A template for {@code @Transactional}-style transactions on the factory. */
	public TransactionTemplate transactions() {
		return new TransactionTemplate( transactionManager );
	}

	@Override
	public void close() {
		bean.destroy();
	}
}
