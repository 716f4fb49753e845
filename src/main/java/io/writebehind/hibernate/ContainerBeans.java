package io.writebehind.hibernate;

import org.hibernate.resource.beans.container.spi.BeanContainer;
import org.hibernate.resource.beans.spi.BeanInstanceProducer;
import org.hibernate.resource.beans.spi.ManagedBeanRegistry;

import io.writebehind.internal.config.WriteBehindConfig;

/**
 * Creates the instances of the classes named in write-behind settings through Hibernate's {@link ManagedBeanRegistry}:
 * with a bean container (Spring Boot installs Spring's, a Jakarta EE server or Quarkus a CDI one) the container's own
 * bean of that class, with its injected dependencies; without one, or when the container has no such bean, an instance
 * made with the public no-argument constructor, as Hibernate's registry does.
 */
final class ContainerBeans {

	/**
	 * Asks the container for its bean (Spring: {@code getBean(type)}, the existing singleton; CDI: the managed bean),
	 * not for a new JPA-style injected instance, and caches nothing: the settings are read once per boot.
	 */
	private static final BeanContainer.LifecycleOptions CONTAINER_BEAN = new BeanContainer.LifecycleOptions() {
		@Override
		public boolean canUseCachedReferences() {
			return false;
		}

		@Override
		public boolean useJpaCompliantCreation() {
			return false;
		}
	};

	private static final BeanInstanceProducer NO_ARGUMENT_CONSTRUCTOR = new BeanInstanceProducer() {
		@Override
		public <B> B produceBeanInstance(Class<B> beanType) {
			return beanType.cast( WriteBehindConfig.construct( beanType ) );
		}

		@Override
		public <B> B produceBeanInstance(String name, Class<B> beanType) {
			return produceBeanInstance( beanType );
		}
	};

	private ContainerBeans() {
	}

	static Object instance(ManagedBeanRegistry registry, Class<?> type) {
		BeanContainer container = registry.getBeanContainer();
		if ( container == null ) {
			return registry.getBean( type, NO_ARGUMENT_CONSTRUCTOR ).getBeanInstance();
		}
		return container.getBean( type, CONTAINER_BEAN, NO_ARGUMENT_CONSTRUCTOR ).getBeanInstance();
	}
}
