package io.writebehind.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.BeanPropertyBindingResult;
import org.springframework.validation.Errors;

import io.writebehind.WriteBehindSettings;

/**
 * The {@code writebehind.*} properties cover every {@code hibernate.writebehind.*} setting (a setting added to
 * {@link WriteBehindSettings} without its Spring property fails here), and a validation error never prints a secret.
 */
class WriteBehindPropertiesTest {

	@Test
	void everySettingHasASpringProperty() throws Exception {
		WriteBehindProperties properties = new WriteBehindProperties();
		fill( properties );
		Set<String> mapped = new TreeSet<>();
		properties.mappings().forEach( mapping -> mapped.add( mapping.key() ) );
		assertThat( mapped ).containsExactlyInAnyOrderElementsOf( settingKeys() );
	}

	@Test
	void theNewClusterPropertiesMapOntoTheirSettings() {
		WriteBehindProperties properties = new WriteBehindProperties();
		properties.getCluster().setClaimTtl( Duration.ofMinutes( 2 ) );
		properties.getCluster().setSecret( "a-shared-secret-of-32-characters" );
		properties.getCluster().setPreviousSecret( "the-previous-secret-32-character" );
		properties.getCluster().setRedisTrustedCertificates( "/etc/ssl/ca.pem" );
		properties.getCluster().setLeaseTable( "app.leases" );
		properties.getCluster().setLeaseBuckets( 16 );
		properties.getCluster().setLeaseTtl( Duration.ofSeconds( 3 ) );
		properties.getCluster().setLeaseWait( Duration.ofMillis( 500 ) );
		properties.getCluster().setLeaseMinHold( Duration.ofMillis( 25 ) );
		assertThat( properties.mappings() ).extracting( m -> m.property() + "=" + m.setting() ).contains(
				"writebehind.cluster.lease-table=app.leases",
				"writebehind.cluster.lease-buckets=16",
				"writebehind.cluster.lease-ttl=3000",
				"writebehind.cluster.lease-wait=500",
				"writebehind.cluster.lease-min-hold=25",
				"writebehind.cluster.claim-ttl=120000",
				"writebehind.cluster.secret=a-shared-secret-of-32-characters",
				"writebehind.cluster.previous-secret=the-previous-secret-32-character",
				"writebehind.cluster.redis-trusted-certificates=/etc/ssl/ca.pem" );
	}

	@Test
	@SuppressWarnings("deprecation")
	void theFlushSizesMapOntoTheirSettingsAndTheOldBatchSizeOntoItsDeprecatedOne() {
		WriteBehindProperties properties = new WriteBehindProperties();
		properties.setFlushThreshold( 20_000 );
		properties.setFlushTransactionSize( 2_000 );
		properties.setJdbcBatchSize( 200 );
		properties.setBatchSize( 64 );
		assertThat( properties.mappings() ).extracting( m -> m.property() + "=" + m.key() + "=" + m.setting() ).contains(
				"writebehind.flush-threshold=" + WriteBehindSettings.FLUSH_THRESHOLD + "=20000",
				"writebehind.flush-transaction-size=" + WriteBehindSettings.FLUSH_TRANSACTION_SIZE + "=2000",
				"writebehind.jdbc-batch-size=" + WriteBehindSettings.JDBC_BATCH_SIZE + "=200",
				"writebehind.batch-size=" + WriteBehindSettings.BATCH_SIZE + "=64" );
	}

	@Test
	void theOldBatchSizeIsDeprecatedInTheConfigurationMetadata() throws Exception {
		String metadata;
		try ( var in = getClass().getResourceAsStream( "/META-INF/spring-configuration-metadata.json" ) ) {
			metadata = new String( in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8 );
		}
		// the entry of writebehind.batch-size: from its name to the next property's name
		java.util.regex.Matcher name = java.util.regex.Pattern.compile( "\"name\"\\s*:\\s*\"writebehind\\.batch-size\"" )
				.matcher( metadata );
		assertThat( name.find() ).as( "writebehind.batch-size in the metadata" ).isTrue();
		int next = metadata.indexOf( "\"name\"", name.end() );
		String entry = metadata.substring( name.start(), next < 0 ? metadata.length() : next ).replaceAll( "\"\\s*:\\s*", "\":" );
		assertThat( entry ).contains( "\"deprecation\":", "\"replacement\":\"writebehind.flush-threshold\"",
				"writebehind.flush-transaction-size", "writebehind.jdbc-batch-size" );
	}

	@Test
	void aBadSecretIsRefusedWithoutPrintingIt() {
		WriteBehindProperties properties = new WriteBehindProperties();
		properties.getCluster().setSecret( "tooShortSecret" );
		Errors errors = new BeanPropertyBindingResult( properties, "writebehind" );
		properties.validate( properties, errors );
		assertThat( errors.hasErrors() ).isTrue();
		String messages = errors.getAllErrors().toString();
		assertThat( messages ).contains( "writebehind.cluster.secret" ).doesNotContain( "tooShortSecret" );
	}

	/** Every {@code hibernate.writebehind.*} key constant (not the prefix, not a default). */
	private static List<String> settingKeys() throws IllegalAccessException {
		List<String> keys = new ArrayList<>();
		for ( Field field : WriteBehindSettings.class.getFields() ) {
			if ( Modifier.isStatic( field.getModifiers() ) && field.getType() == String.class
					&& !field.getName().startsWith( "DEFAULT_" ) ) {
				String value = (String) field.get( null );
				if ( value.startsWith( WriteBehindSettings.PREFIX ) && !value.equals( WriteBehindSettings.PREFIX ) ) {
					keys.add( value );
				}
			}
		}
		return keys;
	}

	/** Sets every property, in nested groups too, to a value of its type. */
	private static void fill(Object bean) throws Exception {
		for ( Field field : bean.getClass().getDeclaredFields() ) {
			if ( Modifier.isStatic( field.getModifiers() ) ) {
				continue;
			}
			field.setAccessible( true );
			Class<?> type = field.getType();
			Object value;
			if ( type == String.class ) {
				value = "x";
			}
			else if ( type == Duration.class ) {
				value = Duration.ofSeconds( 1 );
			}
			else if ( type == Integer.class || type == Long.class || type == Boolean.class ) {
				value = type == Integer.class ? Integer.valueOf( 1 ) : type == Long.class ? Long.valueOf( 1 ) : Boolean.TRUE;
			}
			else if ( type == DataSize.class ) {
				value = DataSize.ofMegabytes( 1 );
			}
			else if ( type == List.class ) {
				value = List.of( "x" );
			}
			else if ( type.isEnum() ) {
				value = type.getEnumConstants()[0];
			}
			else if ( type.isPrimitive() ) {
				continue;
			}
			else {
				fill( field.get( bean ) ); // a nested group (cache, retry, journal, cluster, ...)
				continue;
			}
			field.set( bean, value );
		}
	}
}
