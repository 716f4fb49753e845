package io.writebehind.spring;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import jakarta.persistence.EntityManagerFactory;

/**
 * The {@code writebehind} actuator endpoint ({@code GET /actuator/writebehind},
 * {@code POST /actuator/writebehind/{flush|pause|resume|retry-failed|discard-failed}}), when Actuator is present and
 * the endpoint is available (exposed, access not {@code none}), under Actuator's usual exposure and security rules.
 */
@AutoConfiguration(after = WriteBehindAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class, EntityManagerFactory.class })
@ConditionalOnBean(EntityManagerFactory.class)
@ConditionalOnBooleanProperty(name = WriteBehindAutoConfiguration.ENABLED, matchIfMissing = true)
public final class WriteBehindEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	WriteBehindEndpoint writeBehindEndpoint(WriteBehindUnits units, WriteBehindProperties properties) {
		return new WriteBehindEndpoint( units, properties );
	}
}
