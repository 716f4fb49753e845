package io.writebehind.internal.config;

import static io.writebehind.WriteBehindSettings.*;
import static io.writebehind.internal.common.SettingValues.whole;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.hibernate.cfg.JdbcSettings;

import io.writebehind.WriteBehindConfigurationException;

/** The validated {@code hibernate.writebehind.cluster.*} settings (cross-node cache coherence). */
public final class ClusterConfig {

	/** {@code cluster.channel=none}: a single node. */
	public static final String NONE = "none";
	/** The names of the library's own channels. */
	public static final String POSTGRESQL = "postgresql";
	public static final String REDIS = "redis";

	public enum VersionCheck { COMMIT, FLUSH, LEASE }

	static final Set<String> KEYS = Set.of( CLUSTER_CHANNEL, CLUSTER_REDIS_URI, CLUSTER_POSTGRESQL_URL, CLUSTER_CHANNEL_NAME,
			CLUSTER_VERSION_CHECK, CLUSTER_LEDGER_TABLE, CLUSTER_SECRET, CLUSTER_PREVIOUS_SECRET,
			CLUSTER_REDIS_TRUSTED_CERTIFICATES, CLUSTER_CLAIM_TTL_MS, CLUSTER_LEASE_TABLE, CLUSTER_LEASE_BUCKETS,
			CLUSTER_LEASE_TTL_MS, CLUSTER_LEASE_WAIT_MS, CLUSTER_LEASE_MIN_HOLD_MS );

	/** The shortest {@code cluster.secret} accepted. */
	public static final int MIN_SECRET_LENGTH = 16;

	private static final Pattern TABLE_NAME = Pattern.compile( "([A-Za-z_][A-Za-z0-9_]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_]{0,62}" );
	private static final Pattern CHANNEL_NAME = Pattern.compile( "[A-Za-z0-9_.\\-]{1,63}" );
	/** A channel provider's name ({@code CoherenceChannelProvider.name()}). */
	private static final Pattern PROVIDER_NAME = Pattern.compile( "[a-z0-9_\\-]{1,63}" );

	/**
	 * {@code cluster.channel}, trimmed and in lower case: {@link #NONE}, {@link #POSTGRESQL}, {@link #REDIS} or the name
	 * of another {@code CoherenceChannelProvider} (found at boot, by the cluster feature).
	 */
	public final String channel;
	public final VersionCheck versionCheck;
	/** The version ledger's table (with {@link VersionCheck#COMMIT}). */
	public final String ledgerTable;
	/** The lease table, the buckets per entity, a lease's lifetime and a commit's wait for a hand-over (lease mode). */
	public final String leaseTable;
	public final int leaseBuckets;
	public final long leaseTtlMillis;
	public final long leaseWaitMillis;
	/** How long a node keeps a bucket it took from another before handing it over again (lease mode). */
	public final long leaseMinHoldMillis;
	public final String redisUri;
	/** The PostgreSQL URL, and the user and password from the unit's settings (each may be {@code null}). */
	public final String postgresqlUrl;
	public final String postgresqlUser;
	public final String postgresqlPassword;
	/** {@code cluster.secret} and {@code cluster.previous_secret} ({@code null} when not set); never printed. */
	public final String secret;
	public final String previousSecret;
	/** For {@code rediss://}: the PEM file of trusted certificates, {@code null} for the JVM's trust store. */
	public final Path redisTrustedCertificates;
	/**
	 * {@code cluster.claim_ttl_ms}: how long a ledger claim (and a remembered version of another node) holds at the
	 * least; {@code 0}: {@code 2 * max_delay_ms + 10 s} of each entity (not set, and no journal).
	 */
	public final long claimTtlMillis;
	/** {@code null}: derived from the unit's name by {@link #channelName(String)}. */
	private final String channelName;

	private ClusterConfig(Map<String, ?> settings) {
		Object value = settings.get( CLUSTER_CHANNEL );
		String text = value == null ? DEFAULT_CLUSTER_CHANNEL : value.toString().trim();
		channel = text.toLowerCase( Locale.ROOT );
		if ( !PROVIDER_NAME.matcher( channel ).matches() ) {
			throw new WriteBehindConfigurationException( CLUSTER_CHANNEL + " was '" + value
					+ "', must be none, postgresql, redis or the name of another coherence channel provider (1 to 63 "
					+ "letters, digits, '_' or '-')" );
		}
		Object check = settings.get( CLUSTER_VERSION_CHECK );
		String checkText = check == null ? DEFAULT_CLUSTER_VERSION_CHECK : check.toString().trim();
		try {
			versionCheck = VersionCheck.valueOf( checkText.toUpperCase( Locale.ROOT ) );
		}
		catch (IllegalArgumentException e) {
			throw new WriteBehindConfigurationException( CLUSTER_VERSION_CHECK + " was '" + check
					+ "', must be commit (a node's commit based on a version another node replaced fails), flush "
					+ "(the database's check at flush decides, the conflict policy resolves) or lease (a node commits "
					+ "an id while it holds the lease of the id's bucket)" );
		}
		Object leaseTableValue = settings.get( CLUSTER_LEASE_TABLE );
		leaseTable = leaseTableValue == null ? DEFAULT_CLUSTER_LEASE_TABLE : leaseTableValue.toString().trim();
		if ( !TABLE_NAME.matcher( leaseTable ).matches() ) {
			throw new WriteBehindConfigurationException( CLUSTER_LEASE_TABLE + " was '" + leaseTableValue
					+ "', must be a table name, optionally qualified by a schema (letters, digits, '_')" );
		}
		leaseBuckets = (int) whole( settings, CLUSTER_LEASE_BUCKETS, DEFAULT_CLUSTER_LEASE_BUCKETS, 1, 65_536,
				"buckets" );
		leaseTtlMillis = whole( settings, CLUSTER_LEASE_TTL_MS, DEFAULT_CLUSTER_LEASE_TTL_MS, 100, 600_000, "ms" );
		leaseWaitMillis = whole( settings, CLUSTER_LEASE_WAIT_MS, DEFAULT_CLUSTER_LEASE_WAIT_MS, 0, 600_000, "ms" );
		if ( settings.get( CLUSTER_LEASE_MIN_HOLD_MS ) == null ) {
			// not set: the default, shortened to half a shorter wait
			leaseMinHoldMillis = Math.min( DEFAULT_CLUSTER_LEASE_MIN_HOLD_MS, leaseWaitMillis / 2 );
		}
		else {
			leaseMinHoldMillis = whole( settings, CLUSTER_LEASE_MIN_HOLD_MS, DEFAULT_CLUSTER_LEASE_MIN_HOLD_MS, 0,
					10_000, "ms" );
			if ( leaseMinHoldMillis > 0 && leaseMinHoldMillis >= leaseWaitMillis ) {
				throw new WriteBehindConfigurationException( CLUSTER_LEASE_MIN_HOLD_MS + " was " + leaseMinHoldMillis
						+ ", must be less than " + CLUSTER_LEASE_WAIT_MS + " (" + leaseWaitMillis + " ms): the other "
						+ "nodes' commits would give up waiting before this node hands a bucket over; lower it, or "
						+ "raise " + CLUSTER_LEASE_WAIT_MS );
			}
		}
		Object table = settings.get( CLUSTER_LEDGER_TABLE );
		ledgerTable = table == null ? DEFAULT_CLUSTER_LEDGER_TABLE : table.toString().trim();
		if ( !TABLE_NAME.matcher( ledgerTable ).matches() ) {
			throw new WriteBehindConfigurationException( CLUSTER_LEDGER_TABLE + " was '" + table
					+ "', must be a table name, optionally qualified by a schema (letters, digits, '_')" );
		}
		Object uri = settings.get( CLUSTER_REDIS_URI );
		redisUri = uri == null ? DEFAULT_CLUSTER_REDIS_URI : uri.toString().trim();
		if ( !redisUri.startsWith( "redis://" ) && !redisUri.startsWith( "rediss://" )
				&& !redisUri.startsWith( "redis-socket://" ) ) {
			throw new WriteBehindConfigurationException( CLUSTER_REDIS_URI + " was '" + Credentials.mask( redisUri )
					+ "', must be a Redis URI such as redis://127.0.0.1:6379" );
		}
		Object name = settings.get( CLUSTER_CHANNEL_NAME );
		channelName = name == null ? null : name.toString().trim();
		if ( channelName != null && !CHANNEL_NAME.matcher( channelName ).matches() ) {
			throw new WriteBehindConfigurationException( CLUSTER_CHANNEL_NAME + " was '" + name
					+ "', must be 1 to 63 letters, digits, '_', '.' or '-'" );
		}
		Object ttl = settings.get( CLUSTER_CLAIM_TTL_MS );
		if ( ttl == null ) {
			// a journaled node replays its pending writes when it restarts: their claims must outlast a slow restart
			Object journal = settings.get( JOURNAL_DIR );
			claimTtlMillis = journal != null && !journal.toString().isBlank() ? DEFAULT_CLUSTER_CLAIM_TTL_MS_JOURNALED : 0;
		}
		else {
			long parsed;
			try {
				parsed = ttl instanceof Number n ? n.longValue() : Long.parseLong( ttl.toString().trim().replace( "_", "" ) );
			}
			catch (NumberFormatException e) {
				throw new WriteBehindConfigurationException( CLUSTER_CLAIM_TTL_MS + " was '" + ttl + "', must be a whole "
						+ "number of milliseconds (1 to 86400000)" );
			}
			if ( parsed < 1 || parsed > 86_400_000L ) {
				throw new WriteBehindConfigurationException( CLUSTER_CLAIM_TTL_MS + " was " + parsed + ", must be 1 to "
						+ "86400000 ms (a day); with a journal, at least the time a node takes to restart" );
			}
			claimTtlMillis = parsed;
		}
		Object url = settings.get( CLUSTER_POSTGRESQL_URL );
		String unitUrl = string( settings, JdbcSettings.URL, JdbcSettings.JAKARTA_JDBC_URL, JdbcSettings.JPA_JDBC_URL );
		if ( url != null ) {
			postgresqlUrl = url.toString().trim();
			if ( !postgresqlUrl.startsWith( "jdbc:postgresql:" ) ) {
				throw new WriteBehindConfigurationException( CLUSTER_POSTGRESQL_URL + " was '"
						+ Credentials.mask( postgresqlUrl ) + "', must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database)" );
			}
		}
		else if ( channel.equals( POSTGRESQL ) ) {
			if ( unitUrl == null ) {
				throw new WriteBehindConfigurationException( CLUSTER_CHANNEL + " was 'postgresql' but "
						+ CLUSTER_POSTGRESQL_URL + " was not set and the unit has no " + JdbcSettings.URL + " or "
						+ JdbcSettings.JAKARTA_JDBC_URL + " to use instead: set " + CLUSTER_POSTGRESQL_URL
						+ " (jdbc:postgresql://host:port/database?user=...&password=...)" );
			}
			if ( !unitUrl.startsWith( "jdbc:postgresql:" ) ) {
				throw new WriteBehindConfigurationException( CLUSTER_CHANNEL + " was 'postgresql' but the unit's URL '"
						+ Credentials.mask( unitUrl ) + "' is not a PostgreSQL one: set " + CLUSTER_POSTGRESQL_URL );
			}
			postgresqlUrl = unitUrl;
		}
		else {
			postgresqlUrl = null;
		}
		boolean unitsOwn = url == null || url.toString().trim().equals( unitUrl );
		postgresqlUser = unitsOwn ? string( settings, JdbcSettings.USER,
				"hibernate.connection.user" /* an older spelling: no constant */, JdbcSettings.JAKARTA_JDBC_USER,
				JdbcSettings.JPA_JDBC_USER ) : null;
		postgresqlPassword = unitsOwn ? string( settings, JdbcSettings.PASS,
				JdbcSettings.JAKARTA_JDBC_PASSWORD, JdbcSettings.JPA_JDBC_PASSWORD ) : null;
		secret = secret( settings, CLUSTER_SECRET );
		previousSecret = secret( settings, CLUSTER_PREVIOUS_SECRET );
		if ( previousSecret != null && secret == null ) {
			throw new WriteBehindConfigurationException( CLUSTER_PREVIOUS_SECRET + " was set but " + CLUSTER_SECRET
					+ " was not: set " + CLUSTER_SECRET + " (the secret this node signs with) as well" );
		}
		Object certificates = settings.get( CLUSTER_REDIS_TRUSTED_CERTIFICATES );
		if ( certificates == null || certificates.toString().isBlank() ) {
			redisTrustedCertificates = null;
		}
		else {
			String path = certificates.toString().trim();
			try {
				redisTrustedCertificates = Path.of( path ).toAbsolutePath();
			}
			catch (InvalidPathException e) {
				throw new WriteBehindConfigurationException( CLUSTER_REDIS_TRUSTED_CERTIFICATES + " was '" + path
						+ "', not a valid path: " + e.getMessage() );
			}
			if ( !Files.isReadable( redisTrustedCertificates ) ) {
				throw new WriteBehindConfigurationException( CLUSTER_REDIS_TRUSTED_CERTIFICATES + " was '" + path
						+ "', which is not a readable file: give the PEM file of the certificates the Redis server's "
						+ "certificate chains to" );
			}
			if ( !redisUri.startsWith( "rediss://" ) ) {
				throw new WriteBehindConfigurationException( CLUSTER_REDIS_TRUSTED_CERTIFICATES + " was '" + path
						+ "' but " + CLUSTER_REDIS_URI + " was '" + Credentials.mask( redisUri ) + "', which does not use "
						+ "TLS: use a rediss:// URI, or leave the certificates out" );
			}
		}
	}

	/** A secret setting: never quoted in a message. */
	private static String secret(Map<String, ?> settings, String key) {
		Object value = settings.get( key );
		if ( value == null ) {
			return null;
		}
		String text = value.toString();
		if ( text.isBlank() ) {
			throw new WriteBehindConfigurationException( key + " was blank: give a secret of at least "
					+ MIN_SECRET_LENGTH + " characters, or leave the setting out" );
		}
		if ( text.length() < MIN_SECRET_LENGTH ) {
			throw new WriteBehindConfigurationException( key + " was " + text.length() + " character(s) long (the value "
					+ "is not shown), must be at least " + MIN_SECRET_LENGTH + ": use a long random string, the same "
					+ "on every node" );
		}
		return text;
	}

	/** Whether a channel other than {@code none} is chosen. */
	public boolean enabled() {
		return !channel.equals( NONE );
	}

	/**
	 * The prefix of the settings of the chosen channel's provider, {@code hibernate.writebehind.cluster.<name>.}, or
	 * {@code null} for none and the library's own channels (whose settings are the ones above).
	 */
	public String providerPrefix() {
		return channel.equals( NONE ) || channel.equals( POSTGRESQL ) || channel.equals( REDIS ) ? null
				: PREFIX + "cluster." + channel + ".";
	}

	/** Whether {@code key} is a setting of the chosen channel's provider (checked by the provider, not here). */
	boolean isProviderKey(String key) {
		String prefix = providerPrefix();
		return prefix != null && key.startsWith( prefix );
	}

	static ClusterConfig from(Map<String, ?> settings) {
		return new ClusterConfig( settings );
	}

	/** The channel name: the setting, else {@code writebehind_} and the unit's name reduced to the allowed characters. */
	public String channelName(String unitName) {
		if ( channelName != null ) {
			return channelName;
		}
		String derived = "writebehind_" + unitName.replaceAll( "[^A-Za-z0-9_.\\-]", "_" );
		return derived.length() > 63 ? derived.substring( 0, 63 ) : derived;
	}

	private String signed() {
		return secret == null ? "" : previousSecret == null ? ", messages signed" : ", messages signed (previous secret accepted)";
	}

	private String versionCheck() {
		return switch ( versionCheck ) {
			case COMMIT -> "commit (ledger " + ledgerTable + ( claimTtlMillis > 0 ? ", claims held " + claimTtlMillis
					+ " ms" : "" ) + ")";
			case FLUSH -> "flush";
			case LEASE -> "lease (table " + leaseTable + ", " + leaseBuckets + " buckets, leases of " + leaseTtlMillis
					+ " ms, hand-over waits up to " + leaseWaitMillis + " ms, buckets kept at least " + leaseMinHoldMillis
					+ " ms)";
		};
	}

	private static String string(Map<String, ?> settings, String... keys) {
		for ( String key : keys ) {
			Object value = settings.get( key );
			if ( value != null && !value.toString().isBlank() ) {
				return value.toString().trim();
			}
		}
		return null;
	}

	@Override
	public String toString() {
		return switch ( channel ) {
			case NONE -> "cluster.channel=none";
			case POSTGRESQL -> "cluster.channel=postgresql (" + Credentials.mask( postgresqlUrl ) + "), version_check="
					+ versionCheck() + signed();
			case REDIS -> "cluster.channel=redis (" + Credentials.mask( redisUri ) + "), version_check=" + versionCheck()
					+ signed();
			default -> "cluster.channel=" + channel + ", version_check=" + versionCheck() + signed();
		};
	}
}
