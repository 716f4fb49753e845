package io.writebehind.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.writebehind.metrics.WriteBehindMetrics;
import jakarta.persistence.EntityManagerFactory;

/**
 * The Micrometer meters of every factory with write-behind ({@link WriteBehindMetrics}, {@code docs/observability.md} lists them) as a
 * {@link MeterBinder} bean, which Spring Boot binds to its registries; only when Micrometer is on the class path. With
 * several factories the meters also carry the tag {@code entityManagerFactory} (the factory's bean name). A
 * {@code WriteBehindMetrics} bean of the application replaces it.
 */
@AutoConfiguration(after = WriteBehindAutoConfiguration.class)
@ConditionalOnClass({ MeterBinder.class, EntityManagerFactory.class })
@ConditionalOnBean(EntityManagerFactory.class)
@ConditionalOnBooleanProperty(name = WriteBehindAutoConfiguration.ENABLED, matchIfMissing = true)
public final class WriteBehindMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean({ WriteBehindMetrics.class, WriteBehindMeterBinder.class })
	WriteBehindMeterBinder writeBehindMeterBinder(WriteBehindUnits units) {
		return new WriteBehindMeterBinder( units );
	}
}
