package io.writebehind.spring;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;

import io.writebehind.WriteBehind;
import jakarta.persistence.EntityManagerFactory;

/**
 * Registers one {@link WriteBehind} bean per {@code EntityManagerFactory} bean: {@code writeBehind} for the factory
 * named {@code entityManagerFactory} (Spring Boot's own), {@code <factory bean name>WriteBehind} for the others, primary
 * when its factory is. A factory without write-behind gets none (the bean resolves to nothing, so
 * {@code ObjectProvider<WriteBehind>} finds none and a required injection fails naming the type). Backs off when the
 * application defines a {@code WriteBehind} bean itself.
 */
final class WriteBehindBeanRegistrar implements BeanDefinitionRegistryPostProcessor {

	static final String UNITS_BEAN = "io.writebehind.spring.internalWriteBehindUnits";

	@Override
	public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
		if ( !( registry instanceof ConfigurableListableBeanFactory beanFactory ) ) {
			return;
		}
		if ( beanFactory.getBeanNamesForType( WriteBehind.class, true, false ).length > 0 ) {
			return; // the application's own
		}
		for ( String factoryName : beanFactory.getBeanNamesForType( EntityManagerFactory.class, true, false ) ) {
			String name = beanName( factoryName );
			if ( registry.containsBeanDefinition( name ) ) {
				continue;
			}
			RootBeanDefinition definition = new RootBeanDefinition( WriteBehind.class,
					() -> beanFactory.getBean( UNITS_BEAN, WriteBehindUnits.class ).of( factoryName ) );
			definition.setPrimary( primary( beanFactory, factoryName ) );
			definition.setDependsOn( factoryName );
			registry.registerBeanDefinition( name, definition );
		}
	}

	static String beanName(String factoryName) {
		return factoryName.equals( "entityManagerFactory" ) ? "writeBehind" : factoryName + "WriteBehind";
	}

	private static boolean primary(ConfigurableListableBeanFactory beanFactory, String factoryName) {
		String name = factoryName.startsWith( "&" ) ? factoryName.substring( 1 ) : factoryName;
		return beanFactory.containsBeanDefinition( name ) && beanFactory.getBeanDefinition( name ).isPrimary();
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
	}
}
