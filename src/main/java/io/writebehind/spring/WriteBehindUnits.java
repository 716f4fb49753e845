package io.writebehind.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.springframework.beans.factory.ListableBeanFactory;

import io.writebehind.WriteBehind;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;

/**
 * The write-behind of each {@code EntityManagerFactory} bean of the context, by the factory's bean name; factories
 * without write-behind (no opted-in entity, {@code enabled=false}, not Hibernate) have none.
 */
final class WriteBehindUnits {

	private final ListableBeanFactory beanFactory;
	private final Map<String, Object> resolved = new ConcurrentHashMap<>();

	WriteBehindUnits(ListableBeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	/** The write-behind of the factory bean of that name, {@code null} when it has none. */
	WriteBehind of(String entityManagerFactoryBeanName) {
		Object unit = resolved.computeIfAbsent( entityManagerFactoryBeanName, name -> {
			EntityManagerFactory factory = beanFactory.getBean( name, EntityManagerFactory.class );
			WriteBehind writeBehind = of( factory );
			return writeBehind == null ? Boolean.FALSE : writeBehind;
		} );
		return unit instanceof WriteBehind writeBehind ? writeBehind : null;
	}

	/**
	 * The write-behind of a factory, {@code null} when it has none. Unwraps to Hibernate's own factory, as Spring's
	 * factory bean is a proxy.
	 */
	static WriteBehind of(EntityManagerFactory factory) {
		SessionFactoryImplementor sessionFactory;
		try {
			sessionFactory = factory.unwrap( SessionFactoryImplementor.class );
		}
		catch (PersistenceException | IllegalStateException e) {
			return null; // another JPA provider, or closed
		}
		try {
			return WriteBehind.of( sessionFactory );
		}
		catch (IllegalArgumentException notActive) {
			return null;
		}
	}

	/** Every write-behind of the context, by the bean name of its factory, in bean definition order. */
	Map<String, WriteBehind> all() {
		Map<String, WriteBehind> all = new LinkedHashMap<>();
		for ( String name : beanFactory.getBeanNamesForType( EntityManagerFactory.class ) ) {
			WriteBehind writeBehind = of( name );
			if ( writeBehind != null ) {
				all.put( name, writeBehind );
			}
		}
		return all;
	}

	/** The factory bean of that name. */
	EntityManagerFactory factory(String entityManagerFactoryBeanName) {
		return beanFactory.getBean( entityManagerFactoryBeanName, EntityManagerFactory.class );
	}

	/** The effective settings of the factory bean of that name. */
	Map<String, Object> settings(String entityManagerFactoryBeanName) {
		return factory( entityManagerFactoryBeanName ).getProperties();
	}
}
