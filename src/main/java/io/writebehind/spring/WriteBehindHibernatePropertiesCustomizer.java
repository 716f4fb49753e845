package io.writebehind.spring;

import java.util.Map;

import org.springframework.boot.hibernate.autoconfigure.HibernatePropertiesCustomizer;

import io.writebehind.internal.common.WriteBehindLogger;

/**
 * Puts the {@code writebehind.*} Spring properties into the Hibernate settings of the factory Spring Boot builds, as the
 * {@code hibernate.writebehind.*} settings of the same meaning. A setting also given as
 * {@code spring.jpa.properties.hibernate.writebehind.*} keeps that value (as {@code spring.jpa.properties} wins over
 * {@code spring.jpa.hibernate.ddl-auto} in Boot itself), with a warning when the two differ.
 */
final class WriteBehindHibernatePropertiesCustomizer implements HibernatePropertiesCustomizer {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( WriteBehindHibernatePropertiesCustomizer.class );

	private final WriteBehindProperties properties;

	WriteBehindHibernatePropertiesCustomizer(WriteBehindProperties properties) {
		this.properties = properties;
	}

	@Override
	public void customize(Map<String, Object> hibernateProperties) {
		for ( WriteBehindProperties.Mapping mapping : properties.mappings() ) {
			Object existing = hibernateProperties.get( mapping.key() );
			if ( existing == null ) {
				hibernateProperties.put( mapping.key(), mapping.setting() );
			}
			else if ( !String.valueOf( existing ).trim().equalsIgnoreCase( String.valueOf( mapping.setting() ) ) ) {
				LOG.springPropertyShadowed( "[write-behind] ", mapping.key(), mapping.property(), mapping.value(),
						mapping.key(), existing );
			}
		}
	}
}
