package io.writebehind.internal.config;

import static io.writebehind.WriteBehindSettings.*;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.writebehind.WriteBehindConfigurationException;

/**
 * The validated, immutable {@code hibernate.writebehind.*} settings of one persistence unit. The only place that reads
 * and checks the settings: every bad value fails the boot with a message naming the key and the value.
 */
public final class WriteBehindConfig {

	private static final Set<String> KNOWN = Set.of( ENABLED, MAX_DELAY_MS, BATCH_SIZE, QUEUE_CAPACITY,
			QUEUE_FULL_TIMEOUT_MS, CACHE_MAXIMUM_SIZE, FLUSHER_THREADS, FLUSH_ON_SHUTDOWN, SHUTDOWN_TIMEOUT_MS,
			RETRY_INITIAL_BACKOFF_MS, RETRY_MAX_BACKOFF_MS, DEAD_LETTER_CAPACITY );

	/** Hibernate's own JDBC batch size setting, honoured by the flusher. */
	static final String HIBERNATE_JDBC_BATCH_SIZE = "hibernate.jdbc.batch_size";

	public final boolean enabled;
	public final long maxDelayMs;
	public final int batchSize;
	public final int jdbcBatchSize;
	public final int queueCapacity;
	public final long queueFullTimeoutMs;
	public final long cacheMaximumSize;
	public final int flusherThreads;
	public final boolean flushOnShutdown;
	public final long shutdownTimeoutMs;
	public final long retryInitialBackoffMs;
	public final long retryMaxBackoffMs;
	public final int deadLetterCapacity;

	private WriteBehindConfig(Map<String, ?> settings) {
		rejectUnknownKeys( settings );
		enabled = bool( settings, ENABLED, DEFAULT_ENABLED );
		maxDelayMs = longValue( settings, MAX_DELAY_MS, DEFAULT_MAX_DELAY_MS, 0, Long.MAX_VALUE / 2_000_000 );
		batchSize = (int) longValue( settings, BATCH_SIZE, DEFAULT_BATCH_SIZE, 1, 1_000_000 );
		// Hibernate reads 0 as "no batching": the flusher then sends one statement per execution
		jdbcBatchSize = (int) Math.max( 1, longValue( settings, HIBERNATE_JDBC_BATCH_SIZE, batchSize, 0, 1_000_000 ) );
		queueCapacity = (int) longValue( settings, QUEUE_CAPACITY, DEFAULT_QUEUE_CAPACITY, 1, Integer.MAX_VALUE );
		queueFullTimeoutMs = longValue( settings, QUEUE_FULL_TIMEOUT_MS, DEFAULT_QUEUE_FULL_TIMEOUT_MS, 0, Long.MAX_VALUE / 2_000_000 );
		cacheMaximumSize = longValue( settings, CACHE_MAXIMUM_SIZE, DEFAULT_CACHE_MAXIMUM_SIZE, 0, Long.MAX_VALUE );
		flusherThreads = (int) longValue( settings, FLUSHER_THREADS, DEFAULT_FLUSHER_THREADS, 1, 64 );
		flushOnShutdown = bool( settings, FLUSH_ON_SHUTDOWN, DEFAULT_FLUSH_ON_SHUTDOWN );
		shutdownTimeoutMs = longValue( settings, SHUTDOWN_TIMEOUT_MS, DEFAULT_SHUTDOWN_TIMEOUT_MS, 0, Long.MAX_VALUE / 2_000_000 );
		retryInitialBackoffMs = longValue( settings, RETRY_INITIAL_BACKOFF_MS, DEFAULT_RETRY_INITIAL_BACKOFF_MS, 1, 3_600_000 );
		retryMaxBackoffMs = longValue( settings, RETRY_MAX_BACKOFF_MS, DEFAULT_RETRY_MAX_BACKOFF_MS, 1, 3_600_000 );
		if ( retryMaxBackoffMs < retryInitialBackoffMs ) {
			throw new WriteBehindConfigurationException( RETRY_MAX_BACKOFF_MS + " was " + retryMaxBackoffMs
					+ ", must be >= " + RETRY_INITIAL_BACKOFF_MS + " (" + retryInitialBackoffMs + ")" );
		}
		deadLetterCapacity = (int) longValue( settings, DEAD_LETTER_CAPACITY, DEFAULT_DEAD_LETTER_CAPACITY, 0, Integer.MAX_VALUE );
	}

	/** Reads and validates the settings; throws {@link WriteBehindConfigurationException} naming the first bad one. */
	public static WriteBehindConfig from(Map<String, ?> settings) {
		return new WriteBehindConfig( settings );
	}

	/** Validates a per-entity override of the maximum delay given by the annotation. */
	public long entityMaxDelayMs(String entityName, long annotated) {
		if ( annotated == -1 ) {
			return maxDelayMs;
		}
		if ( annotated < 0 ) {
			throw new WriteBehindConfigurationException( "@WriteBehindEntity(maxDelayMs) of entity " + entityName
					+ " was " + annotated + ", must be >= 0 (or -1 for the global " + MAX_DELAY_MS + ")" );
		}
		return annotated;
	}

	private static void rejectUnknownKeys(Map<String, ?> settings) {
		Set<String> unknown = new TreeSet<>();
		for ( String key : settings.keySet() ) {
			if ( key.startsWith( PREFIX ) && !KNOWN.contains( key ) ) {
				unknown.add( key );
			}
		}
		if ( !unknown.isEmpty() ) {
			throw new WriteBehindConfigurationException( "Unknown write-behind setting(s) " + unknown
					+ "; the known settings are " + new TreeSet<>( KNOWN ) );
		}
	}

	private static boolean bool(Map<String, ?> settings, String key, boolean defaultValue) {
		Object value = settings.get( key );
		if ( value == null ) {
			return defaultValue;
		}
		if ( value instanceof Boolean b ) {
			return b;
		}
		String text = value.toString().trim().toLowerCase( Locale.ROOT );
		if ( text.equals( "true" ) ) {
			return true;
		}
		if ( text.equals( "false" ) ) {
			return false;
		}
		throw new WriteBehindConfigurationException( key + " was '" + value + "', must be true or false" );
	}

	private static long longValue(Map<String, ?> settings, String key, long defaultValue, long min, long max) {
		Object value = settings.get( key );
		if ( value == null ) {
			return defaultValue;
		}
		long parsed;
		if ( value instanceof Number n && !( value instanceof Double || value instanceof Float ) ) {
			parsed = n.longValue();
		}
		else {
			try {
				parsed = Long.parseLong( value.toString().trim().replace( "_", "" ) );
			}
			catch (NumberFormatException e) {
				throw new WriteBehindConfigurationException( key + " was '" + value + "', must be a whole number" );
			}
		}
		if ( parsed < min ) {
			throw new WriteBehindConfigurationException( key + " was " + parsed + ", must be >= " + min );
		}
		if ( parsed > max ) {
			throw new WriteBehindConfigurationException( key + " was " + parsed + ", must be <= " + max );
		}
		return parsed;
	}

	@Override
	public String toString() {
		return "max_delay_ms=" + maxDelayMs + ", batch_size=" + batchSize + ", jdbc_batch_size=" + jdbcBatchSize
				+ ", queue_capacity=" + queueCapacity + ", queue_full_timeout_ms=" + queueFullTimeoutMs
				+ ", cache.maximum_size=" + cacheMaximumSize + ", flusher_threads=" + flusherThreads
				+ ", flush_on_shutdown=" + flushOnShutdown + ", shutdown_timeout_ms=" + shutdownTimeoutMs
				+ ", retry.initial_backoff_ms=" + retryInitialBackoffMs + ", retry.max_backoff_ms=" + retryMaxBackoffMs
				+ ", dead_letter_capacity=" + deadLetterCapacity;
	}
}
