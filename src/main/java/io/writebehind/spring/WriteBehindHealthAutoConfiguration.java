package io.writebehind.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import jakarta.persistence.EntityManagerFactory;

/**
 * The {@code writeBehind} health component (see {@link WriteBehindProperties.Health} for when it is DOWN), when
 * {@code spring-boot-health} is present; {@code management.health.writebehind.enabled=false} turns it off, a bean
 * named {@code writeBehindHealthIndicator} replaces it.
 */
@AutoConfiguration(after = WriteBehindAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, EntityManagerFactory.class })
@ConditionalOnBean(EntityManagerFactory.class)
@ConditionalOnBooleanProperty(name = WriteBehindAutoConfiguration.ENABLED, matchIfMissing = true)
@ConditionalOnEnabledHealthIndicator("writebehind")
public final class WriteBehindHealthAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = { "writeBehindHealthIndicator", "writeBehindHealthContributor" })
	HealthIndicator writeBehindHealthIndicator(WriteBehindUnits units, WriteBehindProperties properties) {
		return new WriteBehindHealthIndicator( units, properties );
	}
}
