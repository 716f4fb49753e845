package io.writebehind.spring;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration;
import org.springframework.boot.hibernate.autoconfigure.HibernatePropertiesCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindListener;
import jakarta.persistence.EntityManagerFactory;

/**
 * Auto-configuration of hibernate-write-behind for Spring Boot 4.1: the {@code writebehind.*} properties as
 * {@code hibernate.writebehind.*} settings of the factory Boot builds, one {@link WriteBehind} bean per
 * {@code EntityManagerFactory} with write-behind ({@code writeBehind} for Boot's own), and the
 * {@link WriteBehindListener} beans told of events. Health, the actuator endpoint and the Micrometer meters are
 * configured by {@link WriteBehindHealthAutoConfiguration}, {@link WriteBehindEndpointAutoConfiguration} and
 * {@link WriteBehindMetricsAutoConfiguration}. With {@code writebehind.enabled=false} only the settings are passed on
 * (write-behind then writes synchronously) and no bean is defined.
 */
@AutoConfiguration(after = HibernateJpaAutoConfiguration.class)
@ConditionalOnClass({ HibernatePropertiesCustomizer.class, EntityManagerFactory.class })
@ConditionalOnBean(EntityManagerFactory.class)
@EnableConfigurationProperties(WriteBehindProperties.class)
public final class WriteBehindAutoConfiguration {

	/** The property that turns write-behind, and every bean of this integration, off. */
	static final String ENABLED = "writebehind.enabled";

	@Bean
	@ConditionalOnMissingBean(name = "writeBehindHibernatePropertiesCustomizer")
	HibernatePropertiesCustomizer writeBehindHibernatePropertiesCustomizer(WriteBehindProperties properties) {
		return new WriteBehindHibernatePropertiesCustomizer( properties );
	}

	@Bean(WriteBehindBeanRegistrar.UNITS_BEAN)
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
	static WriteBehindUnits writeBehindUnits(ListableBeanFactory beanFactory) {
		return new WriteBehindUnits( beanFactory );
	}

	@Bean
	@ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
	static WriteBehindBeanRegistrar writeBehindBeanRegistrar() {
		return new WriteBehindBeanRegistrar();
	}

	@Bean
	@ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
	static WriteBehindListenerRegistrar writeBehindListenerRegistrar(ObjectProvider<WriteBehindUnits> units,
			ObjectProvider<WriteBehindListener> listeners) {
		return new WriteBehindListenerRegistrar( units, listeners );
	}
}
