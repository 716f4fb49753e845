package io.writebehind.internal.config;

import static io.writebehind.WriteBehindSettings.*;
import static io.writebehind.internal.common.SettingValues.bool;
import static io.writebehind.internal.common.SettingValues.whole;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Ticker;

import io.writebehind.ConflictPolicy;
import io.writebehind.ConflictResolver;
import io.writebehind.QueryConsistency;
import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteFailureHandler;

/**
 * The validated, immutable {@code hibernate.writebehind.*} settings of one persistence unit. The only place that reads
 * and checks the settings: every bad value fails the boot with a message naming the key and the value.
 */
@SuppressWarnings("deprecation") // the one place that reads the deprecated batch_size
public final class WriteBehindConfig {

	private static final Set<String> KNOWN = Set.of( ENABLED, MAX_DELAY_MS, FLUSH_THRESHOLD, FLUSH_TRANSACTION_SIZE,
			JDBC_BATCH_SIZE, BATCH_SIZE, QUEUE_CAPACITY,
			QUEUE_FULL_TIMEOUT_MS, CACHE_MAXIMUM_SIZE, FLUSHER_THREADS, FLUSH_ON_SHUTDOWN, SHUTDOWN_TIMEOUT_MS,
			READ_FLUSH_TIMEOUT_MS,			RETRY_INITIAL_BACKOFF_MS, RETRY_MAX_BACKOFF_MS, DEAD_LETTER_CAPACITY, CONFLICT_POLICY, FAILURE_HANDLER, QUERY_CONSISTENCY,
			LISTENERS, JMX_ENABLED );

	/** Hibernate's own JDBC batch size setting, honoured by the flusher. */
	static final String HIBERNATE_JDBC_BATCH_SIZE = org.hibernate.cfg.BatchSettings.STATEMENT_BATCH_SIZE;

	public final boolean enabled;
	public final long maxDelayMs;
	/** Pending writes of the unit that start a flush before their delay ({@code flush_threshold}). */
	public final int flushThreshold;
	/** Most writes in one flush transaction ({@code flush_transaction_size}). */
	public final int flushTransactionSize;
	/** Statements per JDBC batch of the flusher ({@code jdbc_batch_size}); at most {@link #flushTransactionSize}. */
	public final int jdbcBatchSize;
	/** The value of the deprecated {@code batch_size} when it was set (the boot warns), else {@code null}. */
	public final Integer deprecatedBatchSize;
	public final int queueCapacity;
	public final long queueFullTimeoutMs;
	public final long cacheMaximumSize;
	public final int flusherThreads;
	public final boolean flushOnShutdown;
	public final long shutdownTimeoutMs;
	/** How long an application thread waits for the flush a read needs first ({@code read_flush_timeout_ms}). */
	public final long readFlushTimeoutMs;
	public final long retryInitialBackoffMs;
	public final long retryMaxBackoffMs;
	public final int deadLetterCapacity;
	/** The global conflict policy; {@code null} when {@link #conflictResolver} is set instead. */
	public final ConflictPolicy conflictPolicy;
	public final ConflictResolver conflictResolver;
	/** {@code null}: the default handler. */
	public final WriteFailureHandler failureHandler;
	/** The listeners of {@code hibernate.writebehind.listeners}, created; empty for none. */
	public final java.util.List<io.writebehind.WriteBehindListener> listeners;
	public final boolean jmxEnabled;
	public final QueryConsistency queryConsistency;
	/** The write queue's time source: {@link Ticker#systemTicker()} unless a test set {@link InternalSettings#TICKER}. */
	public final Ticker ticker;
	/** Whether the flusher may write through the persister's static SQL directly ({@link InternalSettings#DIRECT_STATEMENTS}). */
	public final boolean directStatements;
	/** Multi-row inserts on the direct path ({@link InternalSettings#MULTI_ROW_INSERTS}); null: by the database. */
	public final Boolean multiRowInserts;
	/** Joined multi-row updates and deletes on PostgreSQL ({@link InternalSettings#MULTI_ROW_UPDATES}); null: by the database. */
	public final Boolean multiRowUpdates;

	/** The {@code journal.*} settings: crash durability. */
	public final io.writebehind.internal.journal.JournalConfig journal;

	/** The {@code cluster.*} settings: cross-node cache coherence. */
	public final ClusterConfig cluster;

	private final Function<String, Class<?>> classLoader;
	private final Function<Class<?>, Object> instances;

	private WriteBehindConfig(Map<String, ?> settings, Function<String, Class<?>> classLoader,
			Function<Class<?>, Object> instances) {
		this.classLoader = classLoader;
		this.instances = instances;
		cluster = ClusterConfig.from( settings );
		rejectUnknownKeys( settings, cluster );
		journal = io.writebehind.internal.journal.JournalConfig.from( settings );
		enabled = bool( settings, ENABLED, DEFAULT_ENABLED );
		maxDelayMs = whole( settings, MAX_DELAY_MS, DEFAULT_MAX_DELAY_MS, 0, Long.MAX_VALUE / 2_000_000 );
		queueCapacity = (int) whole( settings, QUEUE_CAPACITY, DEFAULT_QUEUE_CAPACITY, 1, Integer.MAX_VALUE );
		deprecatedBatchSize = settings.get( BATCH_SIZE ) == null ? null
				: (int) whole( settings, BATCH_SIZE, 0, 1, 1_000_000 );
		Integer threshold = settings.get( FLUSH_THRESHOLD ) == null ? null
				: (int) whole( settings, FLUSH_THRESHOLD, 0, 1, 1_000_000_000 );
		Integer transactionSize = settings.get( FLUSH_TRANSACTION_SIZE ) == null ? null
				: (int) whole( settings, FLUSH_TRANSACTION_SIZE, 0, 1, 1_000_000 );
		if ( deprecatedBatchSize != null ) {
			disagree( BATCH_SIZE, deprecatedBatchSize, FLUSH_THRESHOLD, threshold );
			disagree( BATCH_SIZE, deprecatedBatchSize, FLUSH_TRANSACTION_SIZE, transactionSize );
		}
		if ( threshold != null && threshold > queueCapacity ) {
			throw new WriteBehindConfigurationException( FLUSH_THRESHOLD + " was " + threshold + ", must be <= "
					+ QUEUE_CAPACITY + " (" + queueCapacity + "): the queue never holds more pending writes, and a "
					+ "full queue makes commits wait" );
		}
		if ( threshold != null ) {
			flushThreshold = threshold;
		}
		else if ( deprecatedBatchSize != null ) {
			// as before: a batch_size above the capacity meant "never by size"
			flushThreshold = Math.min( deprecatedBatchSize, queueCapacity );
		}
		else {
			flushThreshold = Math.min( DEFAULT_FLUSH_THRESHOLD, Math.max( 1, queueCapacity / 2 ) );
		}
		flushTransactionSize = transactionSize != null ? transactionSize
				: deprecatedBatchSize != null ? deprecatedBatchSize : DEFAULT_FLUSH_TRANSACTION_SIZE;
		if ( settings.get( JDBC_BATCH_SIZE ) != null ) {
			jdbcBatchSize = (int) whole( settings, JDBC_BATCH_SIZE, 0, 1, 1_000_000 );
			if ( jdbcBatchSize > flushTransactionSize ) {
				throw new WriteBehindConfigurationException( JDBC_BATCH_SIZE + " was " + jdbcBatchSize + ", must be <= "
						+ FLUSH_TRANSACTION_SIZE + " (" + flushTransactionSize + "): a JDBC batch never spans two flush "
						+ "transactions" );
			}
		}
		else {
			// Hibernate reads 0 as "no batching": the flusher then sends one statement per execution
			long fallback = deprecatedBatchSize != null ? deprecatedBatchSize : DEFAULT_JDBC_BATCH_SIZE;
			long hibernate = Math.max( 1, whole( settings, HIBERNATE_JDBC_BATCH_SIZE, fallback, 0, 1_000_000 ) );
			jdbcBatchSize = (int) Math.min( hibernate, flushTransactionSize );
		}
		queueFullTimeoutMs = whole( settings, QUEUE_FULL_TIMEOUT_MS, DEFAULT_QUEUE_FULL_TIMEOUT_MS, 0, Long.MAX_VALUE / 2_000_000 );
		cacheMaximumSize = whole( settings, CACHE_MAXIMUM_SIZE, DEFAULT_CACHE_MAXIMUM_SIZE, 0, Long.MAX_VALUE );
		flusherThreads = (int) whole( settings, FLUSHER_THREADS, DEFAULT_FLUSHER_THREADS, 1, 64 );
		flushOnShutdown = bool( settings, FLUSH_ON_SHUTDOWN, DEFAULT_FLUSH_ON_SHUTDOWN );
		shutdownTimeoutMs = whole( settings, SHUTDOWN_TIMEOUT_MS, DEFAULT_SHUTDOWN_TIMEOUT_MS, 0, Long.MAX_VALUE / 2_000_000 );
		readFlushTimeoutMs = whole( settings, READ_FLUSH_TIMEOUT_MS, DEFAULT_READ_FLUSH_TIMEOUT_MS, 0, Long.MAX_VALUE / 2_000_000 );
		retryInitialBackoffMs = whole( settings, RETRY_INITIAL_BACKOFF_MS, DEFAULT_RETRY_INITIAL_BACKOFF_MS, 1, 3_600_000 );
		retryMaxBackoffMs = whole( settings, RETRY_MAX_BACKOFF_MS, DEFAULT_RETRY_MAX_BACKOFF_MS, 1, 3_600_000 );
		if ( retryMaxBackoffMs < retryInitialBackoffMs ) {
			throw new WriteBehindConfigurationException( RETRY_MAX_BACKOFF_MS + " was " + retryMaxBackoffMs
					+ ", must be >= " + RETRY_INITIAL_BACKOFF_MS + " (" + retryInitialBackoffMs + ")" );
		}
		deadLetterCapacity = (int) whole( settings, DEAD_LETTER_CAPACITY, DEFAULT_DEAD_LETTER_CAPACITY, 0, Integer.MAX_VALUE );
		Object policy = settings.get( CONFLICT_POLICY );
		ConflictPolicy parsedPolicy = DEFAULT_CONFLICT_POLICY;
		ConflictResolver parsedResolver = null;
		if ( policy instanceof ConflictPolicy p ) {
			parsedPolicy = p;
		}
		else if ( policy instanceof ConflictResolver r ) {
			parsedResolver = r;
		}
		else if ( policy != null ) {
			String text = policy instanceof Class<?> c ? c.getName() : policy.toString().trim();
			try {
				parsedPolicy = ConflictPolicy.valueOf( text.toUpperCase( Locale.ROOT ) );
			}
			catch (IllegalArgumentException notAPolicy) {
				if ( !text.contains( "." ) ) {
					throw new WriteBehindConfigurationException( CONFLICT_POLICY + " was '" + policy + "', must be FAIL, "
							+ "DATABASE_WINS, LAST_WRITE_WINS or the class name of a " + ConflictResolver.class.getName() );
				}
				parsedResolver = instantiate( CONFLICT_POLICY, text, ConflictResolver.class );
			}
			if ( parsedPolicy == ConflictPolicy.USE_GLOBAL ) {
				throw new WriteBehindConfigurationException( CONFLICT_POLICY + " was '" + policy + "', must be FAIL, "
						+ "DATABASE_WINS, LAST_WRITE_WINS or the class name of a " + ConflictResolver.class.getName() );
			}
		}
		conflictPolicy = parsedResolver == null ? parsedPolicy : null;
		conflictResolver = parsedResolver;
		Object consistency = settings.get( QUERY_CONSISTENCY );
		if ( consistency == null ) {
			queryConsistency = DEFAULT_QUERY_CONSISTENCY;
		}
		else if ( consistency instanceof QueryConsistency q && q != QueryConsistency.USE_GLOBAL ) {
			queryConsistency = q;
		}
		else {
			String text = consistency.toString().trim().toUpperCase( Locale.ROOT );
			if ( !text.equals( "FLUSH" ) && !text.equals( "EVENTUAL" ) ) {
				throw new WriteBehindConfigurationException( QUERY_CONSISTENCY + " was '" + consistency
						+ "', must be FLUSH or EVENTUAL" );
			}
			queryConsistency = QueryConsistency.valueOf( text );
		}
		listeners = listeners( settings.get( LISTENERS ) );
		jmxEnabled = bool( settings, JMX_ENABLED, DEFAULT_JMX_ENABLED );
		ticker = ticker( settings.get( InternalSettings.TICKER ) );
		directStatements = bool( settings, InternalSettings.DIRECT_STATEMENTS, true );
		multiRowInserts = settings.get( InternalSettings.MULTI_ROW_INSERTS ) == null ? null
				: bool( settings, InternalSettings.MULTI_ROW_INSERTS, false );
		multiRowUpdates = settings.get( InternalSettings.MULTI_ROW_UPDATES ) == null ? null
				: bool( settings, InternalSettings.MULTI_ROW_UPDATES, false );
		Object handler = settings.get( FAILURE_HANDLER );
		if ( handler == null ) {
			failureHandler = null;
		}
		else if ( handler instanceof WriteFailureHandler h ) {
			failureHandler = h;
		}
		else {
			failureHandler = instantiate( FAILURE_HANDLER,
					handler instanceof Class<?> c ? c.getName() : handler.toString().trim(), WriteFailureHandler.class );
		}
	}

	private static Ticker ticker(Object value) {
		if ( value == null ) {
			return Ticker.systemTicker();
		}
		if ( value instanceof Ticker t ) {
			return t;
		}
		throw new WriteBehindConfigurationException( InternalSettings.TICKER + " was '" + value + "' (a "
				+ value.getClass().getName() + "), must be an instance of " + Ticker.class.getName()
				+ "; it is for the library's own tests, remove it otherwise" );
	}

	private java.util.List<io.writebehind.WriteBehindListener> listeners(Object value) {
		java.util.List<io.writebehind.WriteBehindListener> result = new java.util.ArrayList<>();
		java.util.List<Object> items = new java.util.ArrayList<>();
		if ( value instanceof java.util.Collection<?> collection ) {
			items.addAll( collection );
		}
		else if ( value instanceof Object[] array ) {
			items.addAll( java.util.Arrays.asList( array ) );
		}
		else if ( value != null ) {
			items.add( value );
		}
		for ( Object item : items ) {
			if ( item instanceof io.writebehind.WriteBehindListener listener ) {
				result.add( listener );
			}
			else if ( item instanceof Class<?> c ) {
				result.add( instantiate( LISTENERS, c, io.writebehind.WriteBehindListener.class ) );
			}
			else if ( item != null ) {
				for ( String name : item.toString().split( "," ) ) {
					if ( !name.isBlank() ) {
						result.add( instantiate( LISTENERS, name.trim(), io.writebehind.WriteBehindListener.class ) );
					}
				}
			}
		}
		return java.util.List.copyOf( result );
	}

	/** Reads and validates the settings; throws {@link WriteBehindConfigurationException} naming the first bad one. */
	public static WriteBehindConfig from(Map<String, ?> settings) {
		return from( settings, WriteBehindConfig::loadClass );
	}

	/** As {@link #from(Map)}, loading class names given in settings through {@code classLoader}. */
	public static WriteBehindConfig from(Map<String, ?> settings, Function<String, Class<?>> classLoader) {
		return from( settings, classLoader, WriteBehindConfig::construct );
	}

	/**
	 * As {@link #from(Map, Function)}, creating the instances of the classes named in settings (conflict resolver,
	 * failure handler, listeners, and the resolvers of annotations) through {@code instances}: the boot passes
	 * Hibernate's {@code ManagedBeanRegistry}, so they are beans of the application's container (Spring, CDI) when it
	 * has one.
	 */
	public static WriteBehindConfig from(Map<String, ?> settings, Function<String, Class<?>> classLoader,
			Function<Class<?>, Object> instances) {
		return new WriteBehindConfig( settings, classLoader, instances );
	}

	/** Creates an instance with the public no-argument constructor. */
	public static Object construct(Class<?> type) {
		try {
			return type.getDeclaredConstructor().newInstance();
		}
		catch (java.lang.reflect.InvocationTargetException e) {
			throw new IllegalStateException( "its constructor threw " + e.getCause(), e.getCause() );
		}
		catch (ReflectiveOperationException e) {
			throw new IllegalStateException( "it has no public no-argument constructor (" + e + ")", e );
		}
	}

	private static Class<?> loadClass(String name) {
		try {
			return Class.forName( name, true, Thread.currentThread().getContextClassLoader() );
		}
		catch (ClassNotFoundException e) {
			throw new IllegalArgumentException( e );
		}
	}

	/** Creates an instance of a class named by a setting (or an annotation), with a message naming it on failure. */
	public <T> T instantiate(String where, String className, Class<T> type) {
		Class<?> loaded;
		try {
			loaded = classLoader.apply( className );
		}
		catch (RuntimeException e) {
			throw new WriteBehindConfigurationException( where + " was '" + className + "': no such class on the class path" );
		}
		return instantiate( where, loaded, type );
	}

	/**
	 * Creates an instance of a class named by a setting (or an annotation): the bean container's bean of that class
	 * when there is one, else one made with its public no-argument constructor; with a message naming it on failure.
	 */
	public <T> T instantiate(String where, Class<?> loaded, Class<T> type) {
		if ( !type.isAssignableFrom( loaded ) ) {
			throw new WriteBehindConfigurationException( where + " was '" + loaded.getName() + "', which does not implement "
					+ type.getName() );
		}
		Object instance;
		try {
			instance = instances.apply( loaded );
		}
		catch (RuntimeException e) {
			throw new WriteBehindConfigurationException( where + " was '" + loaded.getName() + "', which could not be "
					+ "created (as a bean of the application's bean container, or with a public no-argument "
					+ "constructor): " + ( e instanceof IllegalStateException && e.getCause() != null ? e.getMessage() : e ) );
		}
		if ( !type.isInstance( instance ) ) {
			throw new WriteBehindConfigurationException( where + " was '" + loaded.getName() + "', but the bean container "
					+ "returned " + instance + ", which does not implement " + type.getName() );
		}
		return type.cast( instance );
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

	private static void rejectUnknownKeys(Map<String, ?> settings, ClusterConfig cluster) {
		Set<String> unknown = new TreeSet<>();
		for ( String key : settings.keySet() ) {
			// the internal settings are accepted but not listed to users
			if ( key.startsWith( PREFIX ) && !KNOWN.contains( key ) && !ClusterConfig.KEYS.contains( key )
					&& !cluster.isProviderKey( key )
					&& !InternalSettings.KEYS.contains( key )
					&& !io.writebehind.internal.journal.JournalConfig.KEYS.contains( key ) ) {
				unknown.add( key );
			}
		}
		if ( !unknown.isEmpty() ) {
			throw new WriteBehindConfigurationException( "Unknown write-behind setting(s) " + unknown
					+ "; the known settings are " + new TreeSet<>( KNOWN ) + ", " + new TreeSet<>( ClusterConfig.KEYS )
					+ " and the journal.* settings" );
		}
	}

	/** The deprecated key and its replacement both set, to different values: which one was meant is unknown. */
	private static void disagree(String deprecated, int deprecatedValue, String key, Integer value) {
		if ( value != null && value != deprecatedValue ) {
			throw new WriteBehindConfigurationException( deprecated + " was " + deprecatedValue + " and " + key + " was "
					+ value + ": " + deprecated + " is deprecated and stands for " + key + " too, so the two must not "
					+ "disagree; remove " + deprecated + " (its replacements are " + FLUSH_THRESHOLD + ", "
					+ FLUSH_TRANSACTION_SIZE + " and " + JDBC_BATCH_SIZE + ")" );
		}
	}

	/** The flush threshold of one partition (one flusher thread's share of the ids): its share, rounded up. */
	public int partitionFlushThreshold() {
		return (int) ( ( (long) flushThreshold + flusherThreads - 1 ) / flusherThreads );
	}

	@Override
	public String toString() {
		return "max_delay_ms=" + maxDelayMs + ", flush_threshold=" + flushThreshold + ", flush_transaction_size="
				+ flushTransactionSize + ", jdbc_batch_size=" + jdbcBatchSize
				+ ", queue_capacity=" + queueCapacity + ", queue_full_timeout_ms=" + queueFullTimeoutMs
				+ ", cache.maximum_size=" + cacheMaximumSize + ", flusher_threads=" + flusherThreads
				+ ", flush_on_shutdown=" + flushOnShutdown + ", shutdown_timeout_ms=" + shutdownTimeoutMs
				+ ", read_flush_timeout_ms=" + readFlushTimeoutMs
				+ ", retry.initial_backoff_ms=" + retryInitialBackoffMs + ", retry.max_backoff_ms=" + retryMaxBackoffMs
				+ ", dead_letter_capacity=" + deadLetterCapacity
				+ ", conflict_policy=" + ( conflictResolver != null ? conflictResolver.getClass().getName() : conflictPolicy )
				+ ", failure_handler=" + ( failureHandler == null ? "default" : failureHandler.getClass().getName() )
				+ ", query_consistency=" + queryConsistency
				+ ", listeners=" + listeners.stream().map( l -> l.getClass().getName() ).toList()
				+ ", jmx.enabled=" + jmxEnabled;
	}
}
