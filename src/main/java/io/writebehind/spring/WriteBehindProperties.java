package io.writebehind.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;
import org.springframework.util.ClassUtils;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

import io.writebehind.ConflictPolicy;
import io.writebehind.ConflictResolver;
import io.writebehind.QueryConsistency;
import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindListener;
import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteFailureHandler;
import io.writebehind.internal.config.WriteBehindConfig;

/**
 * The write-behind settings in Spring's style, under {@code writebehind.*}: each maps onto the
 * {@code hibernate.writebehind.*} setting of the same meaning ({@link WriteBehindSettings}), with Spring types
 * ({@code writebehind.max-delay=250ms}, {@code writebehind.journal.segment-size=64MB}) and relaxed binding. A property
 * that is not set leaves the library's default (or a {@code spring.jpa.properties.hibernate.writebehind.*} value,
 * which wins when both are set). Values are checked when the properties are bound, with a message naming the Spring
 * property and its value. {@code health.*} and {@code endpoint.*} configure the Spring integration itself.
 */
@ConfigurationProperties("writebehind")
public class WriteBehindProperties implements Validator {

	/** Whether write-behind is active; false writes the opted-in entities synchronously. Default: true. */
	private Boolean enabled;

	/** Longest time a committed write waits before the flusher writes it (0: at once). Default: 1s. */
	private Duration maxDelay;

	/**
	 * Pending writes that start a flush before max-delay: while at least this many ids have a pending write, the
	 * flusher writes them without waiting. At most queue-capacity. Default: 10000 (half of queue-capacity if smaller).
	 */
	private Integer flushThreshold;

	/** Most writes the flusher applies in one database transaction. Default: 5000. */
	private Integer flushTransactionSize;

	/**
	 * Statements the flusher sends in one JDBC batch; at most flush-transaction-size. Default:
	 * hibernate.jdbc.batch_size when set, else 500.
	 */
	private Integer jdbcBatchSize;

	/** Deprecated alias of flush-threshold and flush-transaction-size together (and of jdbc-batch-size). */
	private Integer batchSize;

	/** Most entity ids with a pending write at once; a commit beyond it waits, then fails. Default: 100000. */
	private Integer queueCapacity;

	/** How long a commit waits for room in a full queue before WriteBehindQueueFullException. Default: 5s. */
	private Duration queueFullTimeout;

	/** Flusher threads; the writes of one id are always applied by one thread, in commit order. Default: 2. */
	private Integer flusherThreads;

	/** Whether a JVM shutdown hook drains the queue on normal JVM exit. Default: true. */
	private Boolean flushOnShutdown;

	/** Longest wait for the queue to drain when the EntityManagerFactory closes or the JVM exits. Default: 30s. */
	private Duration shutdownTimeout;

	/**
	 * Longest wait of an application thread for the pending writes a query, refresh, lock, reference or collection load
	 * must see in the database first; then the read fails with a QueryTimeoutException. Default: 30s.
	 */
	private Duration readFlushTimeout;

	/** Most failed writes and conflicts kept for WriteBehind.failedWrites(). Default: 10000. */
	private Integer deadLetterCapacity;

	/**
	 * What a conflict does: fail, database-wins, last-write-wins, or the class name of a ConflictResolver (the Spring
	 * bean of that class when there is one). Default: fail.
	 */
	private String conflictPolicy;

	/** The class name of the WriteFailureHandler (the Spring bean of that class when there is one). Default: log and keep. */
	private String failureHandler;

	/**
	 * Class names of WriteBehindListeners to create (the Spring beans of those classes when there are some).
	 * WriteBehindListener beans need not be listed: they are told of events anyway. Default: none.
	 */
	private List<String> listeners;

	/** What queries see of pending writes: flush (flush them first) or eventual. Default: flush. */
	private QueryConsistency queryConsistency;

	private final Cache cache = new Cache();

	private final Retry retry = new Retry();

	private final Jmx jmx = new Jmx();

	private final Journal journal = new Journal();

	private final Cluster cluster = new Cluster();

	private final Health health = new Health();

	private final Endpoint endpoint = new Endpoint();

	public static class Cache {

		/** Most clean entities the read cache keeps (pending writes are not counted; the clean entry of an id with a pending update is, until it is written). Default: 100000. */
		private Long maximumSize;

		public Long getMaximumSize() {
			return maximumSize;
		}

		public void setMaximumSize(Long maximumSize) {
			this.maximumSize = maximumSize;
		}
	}

	public static class Retry {

		/** First wait before retrying after a transient database error (doubles, with jitter). Default: 100ms. */
		private Duration initialBackoff;

		/** Longest wait between two retries. Default: 30s. */
		private Duration maxBackoff;

		public Duration getInitialBackoff() {
			return initialBackoff;
		}

		public void setInitialBackoff(Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		public Duration getMaxBackoff() {
			return maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}
	}

	public static class Jmx {

		/** Whether each persistence unit registers an MBean with the platform MBean server. Default: true. */
		private Boolean enabled;

		public Boolean getEnabled() {
			return enabled;
		}

		public void setEnabled(Boolean enabled) {
			this.enabled = enabled;
		}
	}

	public static class Journal {

		/** Turns the crash-durability journal on: its directory (created if missing). Default: none (off). */
		private String dir;

		/** When the journal is forced to disk: always, interval or never. Default: always. */
		private String fsync;

		/** With fsync=interval: the time between two forces. Default: 100ms. */
		private Duration fsyncInterval;

		/** Size at which the journal starts a new segment file. Default: 64MB. */
		private DataSize segmentSize;

		/** Time between two checkpoints (which delete fully written segments). Default: 1s. */
		private Duration checkpointInterval;

		public String getDir() {
			return dir;
		}

		public void setDir(String dir) {
			this.dir = dir;
		}

		public String getFsync() {
			return fsync;
		}

		public void setFsync(String fsync) {
			this.fsync = fsync;
		}

		public Duration getFsyncInterval() {
			return fsyncInterval;
		}

		public void setFsyncInterval(Duration fsyncInterval) {
			this.fsyncInterval = fsyncInterval;
		}

		public DataSize getSegmentSize() {
			return segmentSize;
		}

		public void setSegmentSize(DataSize segmentSize) {
			this.segmentSize = segmentSize;
		}

		public Duration getCheckpointInterval() {
			return checkpointInterval;
		}

		public void setCheckpointInterval(Duration checkpointInterval) {
			this.checkpointInterval = checkpointInterval;
		}
	}

	public static class Cluster {

		/**
		 * How the nodes of this unit tell each other of their commits: none, postgresql, redis or the name of another
		 * coherence channel provider. Default: none.
		 */
		private String channel;

		/** The Redis server of the redis channel. Default: redis://127.0.0.1:6379. */
		private String redisUri;

		/** The PostgreSQL JDBC URL of the postgresql channel. Default: the unit's own URL. */
		private String postgresqlUrl;

		/** The channel's name, the same on every node of a unit. Default: writebehind_ and the unit's name. */
		private String channelName;

		/**
		 * Where the nodes check a commit's versions: commit (version ledger), flush, or lease (a node commits an id
		 * while it holds the lease of its bucket). Default: commit.
		 */
		private String versionCheck;

		/** The version ledger's table, optionally schema.table. Default: writebehind_version_ledger. */
		private String ledgerTable;

		/**
		 * How long a node's version-ledger claims and the other nodes' memory of its versions hold; the same on every
		 * node. Default: 10 minutes with a journal, else twice the max delay plus 10 seconds.
		 */
		private Duration claimTtl;

		/** The lease table of version-check lease, optionally schema.table. Default: writebehind_lease. */
		private String leaseTable;

		/** Version-check lease: into how many buckets each entity's ids are hashed (1 to 65536). Default: 64. */
		private Integer leaseBuckets;

		/** Version-check lease: how long a lease lasts, by the database's clock. Default: 5 seconds. */
		private Duration leaseTtl;

		/** Version-check lease: how long a commit waits for another node to hand a bucket over. Default: 2 seconds. */
		private Duration leaseWait;

		/**
		 * Version-check lease: how long a node keeps a bucket it took from another before handing it over again.
		 * Default: 10 milliseconds.
		 */
		private Duration leaseMinHold;

		/** A shared secret with which the nodes sign their messages (HMAC-SHA256); unsigned ones are ignored. */
		private String secret;

		/** While rotating the secret: the previous one, whose signatures are still accepted. */
		private String previousSecret;

		/** A PEM file of the certificates (CA) trusted for a rediss:// channel. Default: the JVM's trust store. */
		private String redisTrustedCertificates;

		public Duration getClaimTtl() {
			return claimTtl;
		}

		public void setClaimTtl(Duration claimTtl) {
			this.claimTtl = claimTtl;
		}

		public String getSecret() {
			return secret;
		}

		public void setSecret(String secret) {
			this.secret = secret;
		}

		public String getPreviousSecret() {
			return previousSecret;
		}

		public void setPreviousSecret(String previousSecret) {
			this.previousSecret = previousSecret;
		}

		public String getRedisTrustedCertificates() {
			return redisTrustedCertificates;
		}

		public void setRedisTrustedCertificates(String redisTrustedCertificates) {
			this.redisTrustedCertificates = redisTrustedCertificates;
		}

		public String getChannel() {
			return channel;
		}

		public void setChannel(String channel) {
			this.channel = channel;
		}

		public String getRedisUri() {
			return redisUri;
		}

		public void setRedisUri(String redisUri) {
			this.redisUri = redisUri;
		}

		public String getPostgresqlUrl() {
			return postgresqlUrl;
		}

		public void setPostgresqlUrl(String postgresqlUrl) {
			this.postgresqlUrl = postgresqlUrl;
		}

		public String getChannelName() {
			return channelName;
		}

		public void setChannelName(String channelName) {
			this.channelName = channelName;
		}

		public String getVersionCheck() {
			return versionCheck;
		}

		public void setVersionCheck(String versionCheck) {
			this.versionCheck = versionCheck;
		}

		public String getLedgerTable() {
			return ledgerTable;
		}

		public void setLedgerTable(String ledgerTable) {
			this.ledgerTable = ledgerTable;
		}

		public String getLeaseTable() {
			return leaseTable;
		}

		public void setLeaseTable(String leaseTable) {
			this.leaseTable = leaseTable;
		}

		public Integer getLeaseBuckets() {
			return leaseBuckets;
		}

		public void setLeaseBuckets(Integer leaseBuckets) {
			this.leaseBuckets = leaseBuckets;
		}

		public Duration getLeaseTtl() {
			return leaseTtl;
		}

		public void setLeaseTtl(Duration leaseTtl) {
			this.leaseTtl = leaseTtl;
		}

		public Duration getLeaseWait() {
			return leaseWait;
		}

		public void setLeaseWait(Duration leaseWait) {
			this.leaseWait = leaseWait;
		}

		public Duration getLeaseMinHold() {
			return leaseMinHold;
		}

		public void setLeaseMinHold(Duration leaseMinHold) {
			this.leaseMinHold = leaseMinHold;
		}
	}

	/** The {@code writeBehind} health indicator. */
	public static class Health {

		/** DOWN once the flusher has been unable to write (transient failures in a row) for longer than this. */
		private Duration maxOutage = Duration.ofMinutes( 1 );

		/** DOWN once the pending writes fill this fraction of queue-capacity (0 to 1). */
		private double maxQueueFill = 0.9;

		public Duration getMaxOutage() {
			return maxOutage;
		}

		public void setMaxOutage(Duration maxOutage) {
			this.maxOutage = maxOutage;
		}

		public double getMaxQueueFill() {
			return maxQueueFill;
		}

		public void setMaxQueueFill(double maxQueueFill) {
			this.maxQueueFill = maxQueueFill;
		}
	}

	/** The {@code writebehind} actuator endpoint. */
	public static class Endpoint {

		/** Longest wait of the flush operation (POST /actuator/writebehind/flush). */
		private Duration flushTimeout = Duration.ofSeconds( 30 );

		public Duration getFlushTimeout() {
			return flushTimeout;
		}

		public void setFlushTimeout(Duration flushTimeout) {
			this.flushTimeout = flushTimeout;
		}
	}

	/** One Spring property that is set, and the Hibernate setting it maps onto. */
	record Mapping(String property, String path, Object value, String key, Object setting) {
	}

	/** The Spring properties that are set, with the {@code hibernate.writebehind.*} setting of each. */
	List<Mapping> mappings() {
		List<Mapping> mappings = new ArrayList<>();
		add( mappings, "enabled", enabled, WriteBehindSettings.ENABLED, enabled );
		add( mappings, "maxDelay", maxDelay, WriteBehindSettings.MAX_DELAY_MS, millis( maxDelay ) );
		add( mappings, "flushThreshold", flushThreshold, WriteBehindSettings.FLUSH_THRESHOLD, flushThreshold );
		add( mappings, "flushTransactionSize", flushTransactionSize, WriteBehindSettings.FLUSH_TRANSACTION_SIZE,
				flushTransactionSize );
		add( mappings, "jdbcBatchSize", jdbcBatchSize, WriteBehindSettings.JDBC_BATCH_SIZE, jdbcBatchSize );
		add( mappings, "batchSize", batchSize, deprecatedBatchSizeKey(), batchSize );
		add( mappings, "queueCapacity", queueCapacity, WriteBehindSettings.QUEUE_CAPACITY, queueCapacity );
		add( mappings, "queueFullTimeout", queueFullTimeout, WriteBehindSettings.QUEUE_FULL_TIMEOUT_MS,
				millis( queueFullTimeout ) );
		add( mappings, "cache.maximumSize", cache.maximumSize, WriteBehindSettings.CACHE_MAXIMUM_SIZE, cache.maximumSize );
		add( mappings, "flusherThreads", flusherThreads, WriteBehindSettings.FLUSHER_THREADS, flusherThreads );
		add( mappings, "flushOnShutdown", flushOnShutdown, WriteBehindSettings.FLUSH_ON_SHUTDOWN, flushOnShutdown );
		add( mappings, "shutdownTimeout", shutdownTimeout, WriteBehindSettings.SHUTDOWN_TIMEOUT_MS, millis( shutdownTimeout ) );
		add( mappings, "readFlushTimeout", readFlushTimeout, WriteBehindSettings.READ_FLUSH_TIMEOUT_MS,
				millis( readFlushTimeout ) );
		add( mappings, "retry.initialBackoff", retry.initialBackoff, WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS,
				millis( retry.initialBackoff ) );
		add( mappings, "retry.maxBackoff", retry.maxBackoff, WriteBehindSettings.RETRY_MAX_BACKOFF_MS,
				millis( retry.maxBackoff ) );
		add( mappings, "deadLetterCapacity", deadLetterCapacity, WriteBehindSettings.DEAD_LETTER_CAPACITY, deadLetterCapacity );
		add( mappings, "conflictPolicy", conflictPolicy, WriteBehindSettings.CONFLICT_POLICY, policy( conflictPolicy ) );
		add( mappings, "failureHandler", failureHandler, WriteBehindSettings.FAILURE_HANDLER,
				failureHandler == null ? null : failureHandler.trim() );
		add( mappings, "listeners", listeners, WriteBehindSettings.LISTENERS,
				listeners == null ? null : String.join( ",", listeners ) );
		add( mappings, "jmx.enabled", jmx.enabled, WriteBehindSettings.JMX_ENABLED, jmx.enabled );
		add( mappings, "queryConsistency", queryConsistency, WriteBehindSettings.QUERY_CONSISTENCY, queryConsistency );
		add( mappings, "journal.dir", journal.dir, WriteBehindSettings.JOURNAL_DIR, journal.dir );
		add( mappings, "journal.fsync", journal.fsync, WriteBehindSettings.JOURNAL_FSYNC, journal.fsync );
		add( mappings, "journal.fsyncInterval", journal.fsyncInterval, WriteBehindSettings.JOURNAL_FSYNC_INTERVAL_MS,
				millis( journal.fsyncInterval ) );
		add( mappings, "journal.segmentSize", journal.segmentSize, WriteBehindSettings.JOURNAL_SEGMENT_BYTES,
				journal.segmentSize == null ? null : journal.segmentSize.toBytes() );
		add( mappings, "journal.checkpointInterval", journal.checkpointInterval,
				WriteBehindSettings.JOURNAL_CHECKPOINT_INTERVAL_MS, millis( journal.checkpointInterval ) );
		add( mappings, "cluster.channel", cluster.channel, WriteBehindSettings.CLUSTER_CHANNEL, cluster.channel );
		add( mappings, "cluster.redisUri", cluster.redisUri, WriteBehindSettings.CLUSTER_REDIS_URI, cluster.redisUri );
		add( mappings, "cluster.postgresqlUrl", cluster.postgresqlUrl, WriteBehindSettings.CLUSTER_POSTGRESQL_URL,
				cluster.postgresqlUrl );
		add( mappings, "cluster.channelName", cluster.channelName, WriteBehindSettings.CLUSTER_CHANNEL_NAME,
				cluster.channelName );
		add( mappings, "cluster.versionCheck", cluster.versionCheck, WriteBehindSettings.CLUSTER_VERSION_CHECK,
				cluster.versionCheck );
		add( mappings, "cluster.ledgerTable", cluster.ledgerTable, WriteBehindSettings.CLUSTER_LEDGER_TABLE,
				cluster.ledgerTable );
		add( mappings, "cluster.claimTtl", cluster.claimTtl, WriteBehindSettings.CLUSTER_CLAIM_TTL_MS,
				millis( cluster.claimTtl ) );
		add( mappings, "cluster.leaseTable", cluster.leaseTable, WriteBehindSettings.CLUSTER_LEASE_TABLE,
				cluster.leaseTable );
		add( mappings, "cluster.leaseBuckets", cluster.leaseBuckets, WriteBehindSettings.CLUSTER_LEASE_BUCKETS,
				cluster.leaseBuckets );
		add( mappings, "cluster.leaseTtl", cluster.leaseTtl, WriteBehindSettings.CLUSTER_LEASE_TTL_MS,
				millis( cluster.leaseTtl ) );
		add( mappings, "cluster.leaseWait", cluster.leaseWait, WriteBehindSettings.CLUSTER_LEASE_WAIT_MS,
				millis( cluster.leaseWait ) );
		add( mappings, "cluster.leaseMinHold", cluster.leaseMinHold, WriteBehindSettings.CLUSTER_LEASE_MIN_HOLD_MS,
				millis( cluster.leaseMinHold ) );
		add( mappings, "cluster.secret", cluster.secret, WriteBehindSettings.CLUSTER_SECRET, cluster.secret );
		add( mappings, "cluster.previousSecret", cluster.previousSecret, WriteBehindSettings.CLUSTER_PREVIOUS_SECRET,
				cluster.previousSecret );
		add( mappings, "cluster.redisTrustedCertificates", cluster.redisTrustedCertificates,
				WriteBehindSettings.CLUSTER_REDIS_TRUSTED_CERTIFICATES, cluster.redisTrustedCertificates );
		return mappings;
	}

	@SuppressWarnings("deprecation")
	private static String deprecatedBatchSizeKey() {
		return WriteBehindSettings.BATCH_SIZE;
	}

	private static void add(List<Mapping> mappings, String path, Object value, String key, Object setting) {
		if ( value != null ) {
			mappings.add( new Mapping( "writebehind." + dashed( path ), path, value, key, String.valueOf( setting ) ) );
		}
	}

	/** {@code retry.initialBackoff} -> {@code retry.initial-backoff}: the canonical form of a Spring property name. */
	static String dashed(String path) {
		StringBuilder name = new StringBuilder();
		for ( char c : path.toCharArray() ) {
			if ( Character.isUpperCase( c ) ) {
				name.append( '-' ).append( Character.toLowerCase( c ) );
			}
			else {
				name.append( c );
			}
		}
		return name.toString();
	}

	private static Long millis(Duration duration) {
		return duration == null ? null : duration.toMillis();
	}

	/** {@code database-wins} -> {@code DATABASE_WINS}; a class name stays as it is. */
	private static String policy(String value) {
		if ( value == null ) {
			return null;
		}
		String text = value.trim();
		String constant = text.toUpperCase( Locale.ROOT ).replace( '-', '_' );
		for ( ConflictPolicy policy : ConflictPolicy.values() ) {
			if ( policy.name().equals( constant ) ) {
				return constant;
			}
		}
		return text;
	}

	/**
	 * Rejects the property; a secret as a global error, since Spring Boot's failure report prints a field error's
	 * rejected value.
	 */
	private static void reject(Errors errors, Mapping mapping, String message) {
		if ( isSecret( mapping ) ) {
			errors.reject( "writebehind.invalid", message );
		}
		else {
			errors.rejectValue( mapping.path(), "writebehind.invalid", message );
		}
	}

	private static boolean isSecret(Mapping mapping) {
		return mapping.path().toLowerCase( Locale.ROOT ).contains( "secret" );
	}

	/** The value of a mapping as an error message may print it: secrets as {@code ***}, URIs without credentials. */
	private static String shown(Mapping mapping) {
		return isSecret( mapping ) ? "***"
				: io.writebehind.internal.config.Credentials.mask( text( mapping.value() ) );
	}

	private static String text(Object value) {
		if ( value instanceof Duration duration ) {
			return duration.toMillis() + "ms";
		}
		return String.valueOf( value );
	}

	@Override
	public boolean supports(Class<?> type) {
		return WriteBehindProperties.class.isAssignableFrom( type );
	}

	/**
	 * Checks each property set with the library's own rules, so that a bad value fails the start with a message that
	 * names the Spring property (the library's own names the {@code hibernate.writebehind.*} key); class names are
	 * checked to exist and to implement the right interface.
	 */
	@Override
	public void validate(Object target, Errors errors) {
		WriteBehindProperties properties = (WriteBehindProperties) target;
		List<Mapping> together = new ArrayList<>();
		for ( Mapping mapping : properties.mappings() ) {
			String problem;
			if ( mapping.path().equals( "failureHandler" ) ) {
				problem = checkClass( mapping.setting().toString(), WriteFailureHandler.class );
			}
			else if ( mapping.path().equals( "listeners" ) ) {
				problem = checkClasses( properties.listeners );
			}
			else if ( mapping.path().equals( "conflictPolicy" ) && mapping.setting().toString().contains( "." ) ) {
				problem = checkClass( mapping.setting().toString(), ConflictResolver.class );
			}
			else if ( mapping.path().equals( "conflictPolicy" ) ) {
				problem = checkAlone( mapping ) == null ? null : "must be fail, database-wins, last-write-wins or the "
						+ "class name of a " + ConflictResolver.class.getName();
			}
			else if ( mapping.path().startsWith( "cluster." ) ) {
				// alone: whether the channel has a URL depends on the unit's settings, which the boot checks
				problem = checkAlone( mapping );
			}
			else {
				together.add( mapping );
				continue;
			}
			if ( problem != null ) {
				reject( errors, mapping, mapping.property() + " was '" + shown( mapping ) + "': " + problem );
			}
		}
		checkTogether( together, errors );
		Health health = properties.health;
		if ( health.maxOutage == null || health.maxOutage.isNegative() || health.maxOutage.isZero() ) {
			errors.rejectValue( "health.maxOutage", "writebehind.invalid", "writebehind.health.max-outage was '"
					+ ( health.maxOutage == null ? null : text( health.maxOutage ) ) + "': must be a positive duration" );
		}
		if ( !( health.maxQueueFill > 0 && health.maxQueueFill <= 1 ) ) {
			errors.rejectValue( "health.maxQueueFill", "writebehind.invalid", "writebehind.health.max-queue-fill was '"
					+ health.maxQueueFill + "': must be > 0 and <= 1 (a fraction of queue-capacity)" );
		}
		Duration flushTimeout = properties.endpoint.flushTimeout;
		if ( flushTimeout == null || flushTimeout.isNegative() ) {
			errors.rejectValue( "endpoint.flushTimeout", "writebehind.invalid", "writebehind.endpoint.flush-timeout was '"
					+ ( flushTimeout == null ? null : text( flushTimeout ) ) + "': must be a duration >= 0" );
		}
	}

	/** The library's verdict on one setting alone; {@code null} when it is valid or the problem is another's. */
	private static String checkAlone(Mapping mapping) {
		try {
			WriteBehindConfig.from( Map.of( mapping.key(), mapping.setting() ) );
			return null;
		}
		catch (WriteBehindConfigurationException e) {
			String message = String.valueOf( e.getMessage() );
			return message.startsWith( mapping.key() + " " ) && !message.contains( "' but " ) ? message : null;
		}
	}

	/**
	 * The library's verdict on the settings together, with their Spring names: the first problem, on the property it
	 * names first (e.g. retry.max-backoff below retry.initial-backoff).
	 */
	private static void checkTogether(List<Mapping> mappings, Errors errors) {
		Map<String, Object> settings = new java.util.HashMap<>();
		mappings.forEach( mapping -> settings.put( mapping.key(), mapping.setting() ) );
		String message;
		try {
			WriteBehindConfig.from( settings );
			return;
		}
		catch (WriteBehindConfigurationException e) {
			message = String.valueOf( e.getMessage() );
		}
		Mapping culprit = null;
		for ( Mapping mapping : mappings ) {
			if ( message.startsWith( mapping.key() + " " )
					&& ( culprit == null || mapping.key().length() > culprit.key().length() ) ) {
				culprit = mapping;
			}
		}
		String named = message;
		for ( Mapping mapping : mappings ) {
			// the whole key only: journal.fsync is a prefix of journal.fsync_interval_ms
			named = named.replaceAll( java.util.regex.Pattern.quote( mapping.key() ) + "(?![a-z_.])",
					java.util.regex.Matcher.quoteReplacement( mapping.property() + " [" + mapping.key() + "]" ) );
		}
		if ( culprit == null ) {
			errors.reject( "writebehind.invalid", named );
		}
		else {
			reject( errors, culprit, culprit.property() + " was '" + shown( culprit ) + "': " + named );
		}
	}

	private static String checkClasses(List<String> names) {
		for ( String name : names ) {
			String problem = checkClass( name.trim(), WriteBehindListener.class );
			if ( problem != null ) {
				return problem;
			}
		}
		return null;
	}

	private static String checkClass(String name, Class<?> type) {
		Class<?> loaded;
		try {
			loaded = ClassUtils.forName( name, WriteBehindProperties.class.getClassLoader() );
		}
		catch (ClassNotFoundException | LinkageError | IllegalArgumentException e) {
			return "no class " + name + " on the class path"
					+ ( type == ConflictResolver.class ? " (must be fail, database-wins, last-write-wins or the class name "
							+ "of a " + type.getName() + ")" : "" );
		}
		if ( !type.isAssignableFrom( loaded ) ) {
			return name + " does not implement " + type.getName();
		}
		return null;
	}

	public Boolean getEnabled() {
		return enabled;
	}

	public void setEnabled(Boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getMaxDelay() {
		return maxDelay;
	}

	public void setMaxDelay(Duration maxDelay) {
		this.maxDelay = maxDelay;
	}

	public Integer getFlushThreshold() {
		return flushThreshold;
	}

	public void setFlushThreshold(Integer flushThreshold) {
		this.flushThreshold = flushThreshold;
	}

	public Integer getFlushTransactionSize() {
		return flushTransactionSize;
	}

	public void setFlushTransactionSize(Integer flushTransactionSize) {
		this.flushTransactionSize = flushTransactionSize;
	}

	public Integer getJdbcBatchSize() {
		return jdbcBatchSize;
	}

	public void setJdbcBatchSize(Integer jdbcBatchSize) {
		this.jdbcBatchSize = jdbcBatchSize;
	}

	/**
	 * @deprecated the size trigger, the flush transaction's size and the JDBC batch size are separate properties now:
	 * {@code writebehind.flush-threshold}, {@code writebehind.flush-transaction-size} and
	 * {@code writebehind.jdbc-batch-size}
	 */
	@Deprecated
	@DeprecatedConfigurationProperty(replacement = "writebehind.flush-threshold", reason = "it was the size trigger, "
			+ "the flush transaction's size and the JDBC batch size at once; set writebehind.flush-threshold, "
			+ "writebehind.flush-transaction-size and writebehind.jdbc-batch-size instead")
	public Integer getBatchSize() {
		return batchSize;
	}

	/** @deprecated see {@link #getBatchSize()} */
	@Deprecated
	public void setBatchSize(Integer batchSize) {
		this.batchSize = batchSize;
	}

	public Integer getQueueCapacity() {
		return queueCapacity;
	}

	public void setQueueCapacity(Integer queueCapacity) {
		this.queueCapacity = queueCapacity;
	}

	public Duration getQueueFullTimeout() {
		return queueFullTimeout;
	}

	public void setQueueFullTimeout(Duration queueFullTimeout) {
		this.queueFullTimeout = queueFullTimeout;
	}

	public Integer getFlusherThreads() {
		return flusherThreads;
	}

	public void setFlusherThreads(Integer flusherThreads) {
		this.flusherThreads = flusherThreads;
	}

	public Boolean getFlushOnShutdown() {
		return flushOnShutdown;
	}

	public void setFlushOnShutdown(Boolean flushOnShutdown) {
		this.flushOnShutdown = flushOnShutdown;
	}

	public Duration getShutdownTimeout() {
		return shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	public Duration getReadFlushTimeout() {
		return readFlushTimeout;
	}

	public void setReadFlushTimeout(Duration readFlushTimeout) {
		this.readFlushTimeout = readFlushTimeout;
	}

	public Integer getDeadLetterCapacity() {
		return deadLetterCapacity;
	}

	public void setDeadLetterCapacity(Integer deadLetterCapacity) {
		this.deadLetterCapacity = deadLetterCapacity;
	}

	public String getConflictPolicy() {
		return conflictPolicy;
	}

	public void setConflictPolicy(String conflictPolicy) {
		this.conflictPolicy = conflictPolicy;
	}

	public String getFailureHandler() {
		return failureHandler;
	}

	public void setFailureHandler(String failureHandler) {
		this.failureHandler = failureHandler;
	}

	public List<String> getListeners() {
		return listeners;
	}

	public void setListeners(List<String> listeners) {
		this.listeners = listeners;
	}

	public QueryConsistency getQueryConsistency() {
		return queryConsistency;
	}

	public void setQueryConsistency(QueryConsistency queryConsistency) {
		this.queryConsistency = queryConsistency;
	}

	public Cache getCache() {
		return cache;
	}

	public Retry getRetry() {
		return retry;
	}

	public Jmx getJmx() {
		return jmx;
	}

	public Journal getJournal() {
		return journal;
	}

	public Cluster getCluster() {
		return cluster;
	}

	public Health getHealth() {
		return health;
	}

	public Endpoint getEndpoint() {
		return endpoint;
	}
}
