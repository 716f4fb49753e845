package io.writebehind.cluster.internal;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.metamodel.mapping.BasicEntityIdentifierMapping;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.descriptor.java.JavaType;
import org.jboss.logging.Logger;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.cluster.CoherenceChannel;
import io.writebehind.cluster.CoherenceMessage;
import io.writebehind.cluster.CoherenceMessage.Change;
import io.writebehind.internal.WriteBehindLogger;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.config.ClusterConfig;
import io.writebehind.internal.config.Credentials;
import io.writebehind.internal.queue.EntityRegion;

/**
 * Cross-node cache coherence of one persistence unit: publishes the ids (and versions) its commits changed through a
 * {@link CoherenceChannel}, and evicts the ids other nodes changed.
 * <p>
 * Publishing never blocks a commit: the committing thread offers the id to a bounded queue, and a daemon thread drains
 * it into messages (batched per entity, under the channel's payload limit). When the queue overflows, or the channel
 * cannot publish, the ids are lost for the other nodes, so they are told to evict everything ({@code FLUSH_ALL}) as
 * soon as a message goes through again. While the channel does not listen (not yet connected, or disconnected) the
 * node caches nothing it reads from the database, and on every (re)connection it evicts every clean entry: it may
 * have missed messages.
 */
public final class ClusterCoherence implements CoherenceChannel.Listener, EntityRegion.RewriteObserver {

	private static final Logger LOG = Logger.getLogger( ClusterCoherence.class );
	private static final WriteBehindLogger MESSAGES = WriteBehindLogger.of( ClusterCoherence.class );
	/** Malformed or unsigned messages are logged at most once per this interval (with their count). */
	static final long MALFORMED_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos( 1 );
	private static final int QUEUE_CAPACITY = 65_536;
	private static final int DRAIN_MAX = 4_096;

	/** How an opted-in hierarchy's ids and versions travel as text. */
	private record Target(EntityRegion region, JavaType<Object> idType, JavaType<Object> versionType, long markTtlNanos,
			boolean ledgered) {
	}

	/** What an {@link Announcement} tells the other nodes. */
	private enum Kind {
		/** A commit of this node: the id's new version (or removal). */
		COMMIT,
		/** The flusher re-based ({@code state}: what will be written) or dropped ({@code state == null}) a write. */
		REWRITE,
		/** A commit of this node was refused by the ledger: the nodes holding the id's newer version should write it now. */
		FLUSH_REQUEST
	}

	/** {@code before}: for a rewrite, the latest state the write held until then (its claim in the ledger). */
	private record Announcement(Kind kind, EntityRegion region, Object id, EntitySnapshot state, EntitySnapshot before) {
		boolean dropped() {
			return kind == Kind.REWRITE && state == null;
		}
	}

	private final String nodeId = UUID.randomUUID().toString().substring( 0, 8 );
	private final String logPrefix;
	private final String description;
	private final CoherenceChannel channel;
	private final SessionFactoryImplementor factory;
	/** {@code null} unless {@code cluster.version_check=commit}. */
	private final VersionLedger ledger;
	private final Map<String, Target> byEntity = new LinkedHashMap<>();
	private final Map<EntityRegion, Target> byRegion = new IdentityHashMap<>();
	private final ArrayBlockingQueue<Announcement> queue = new ArrayBlockingQueue<>( QUEUE_CAPACITY );
	private final AtomicBoolean overflowed = new AtomicBoolean();
	private final Thread publisher;
	private volatile boolean closed;
	private volatile boolean listening;
	private volatile boolean everListened;
	private final AtomicLong sent = new AtomicLong();
	private final AtomicLong received = new AtomicLong();
	private final AtomicLong evicted = new AtomicLong();
	private final AtomicLong gaps = new AtomicLong();
	private final AtomicLong flushRequestsServed = new AtomicLong();
	private final AtomicLong commitsRefused = new AtomicLong();
	private final AtomicLong flushRequestsSent = new AtomicLong();
	/** {@code null} without {@code cluster.secret}. */
	private final MessageSigner signer;
	private final AtomicLong malformed = new AtomicLong();
	/** Malformed messages not logged yet, the latest one's problem, and when the last line was logged. */
	private final AtomicLong malformedUnlogged = new AtomicLong();
	private volatile String latestMalformed;
	private final AtomicLong malformedLoggedAt = new AtomicLong( System.nanoTime() - MALFORMED_LOG_INTERVAL_NANOS );

	public ClusterCoherence(SessionFactoryImplementor factory, ClusterConfig config, String unitName, String logPrefix,
			List<EntityRegion> regions) {
		this.logPrefix = logPrefix;
		this.factory = factory;
		this.signer = config.secret == null ? null : new MessageSigner( config.secret, config.previousSecret );
		this.ledger = config.versionCheck == ClusterConfig.VersionCheck.COMMIT
				? new VersionLedger( factory, config.ledgerTable, logPrefix ) : null;
		for ( EntityRegion region : regions ) {
			EntityPersister persister = factory.getMappingMetamodel().getEntityDescriptor( region.entityName() );
			@SuppressWarnings("unchecked")
			JavaType<Object> idType = persister.getIdentifierMapping() instanceof BasicEntityIdentifierMapping basic
					? (JavaType<Object>) basic.getJavaType() : null;
			@SuppressWarnings("unchecked")
			JavaType<Object> versionType = persister.isVersioned()
					? (JavaType<Object>) (JavaType<?>) persister.getVersionMapping().getJavaType() : null;
			// cluster.claim_ttl_ms (10 minutes by default with a journal: a restarted node's replay must find its
			// claims), never shorter than the time a live node's write takes to reach the database
			long ttl = Math.max( Math.min( 2 * region.maxDelayNanos() + TimeUnit.SECONDS.toNanos( 10 ),
					TimeUnit.HOURS.toNanos( 1 ) ), TimeUnit.MILLISECONDS.toNanos( config.claimTtlMillis ) );
			boolean ledgered = ledger != null && versionType != null && idType != null
					&& ledgerVersionOf( versionType.getJavaTypeClass() );
			if ( ledger != null && persister.isVersioned() && !ledgered ) {
				LOG.warnf( "%s%s: its %s cannot be kept in the version ledger (only ids of one basic column and "
						+ "integral or timestamp versions can): two nodes' commits of one id are checked at flush only",
						logPrefix, region.entityName(), idType == null ? "composite id" : "version type "
								+ versionType.getJavaTypeClass().getSimpleName() );
			}
			Target target = new Target( region, idType, versionType, ttl, ledgered );
			byEntity.put( region.entityName(), target );
			byRegion.put( region, target );
			region.rewriteObserver( this );
			RemoteMarks.install( region ).cacheLoads( false ); // until the channel listens
		}
		String channelName = config.channelName( unitName );
		this.channel = switch ( config.channel ) {
			case POSTGRESQL -> {
				requireClass( "org.postgresql.PGConnection", "postgresql", "the PostgreSQL JDBC driver (org.postgresql:postgresql)" );
				description = "PostgreSQL channel " + channelName + " at " + Credentials.mask( config.postgresqlUrl );
				yield create( "io.writebehind.cluster.internal.PostgresCoherenceChannel",
						new Class<?>[] { String.class, String.class, String.class, String.class, String.class },
						config.postgresqlUrl, config.postgresqlUser, config.postgresqlPassword, channelName, logPrefix );
			}
			case REDIS -> {
				requireClass( "io.lettuce.core.RedisClient", "redis", "Lettuce (io.lettuce:lettuce-core 6.x)" );
				description = "Redis channel " + channelName + " at " + Credentials.mask( config.redisUri );
				yield create( "io.writebehind.cluster.internal.RedisCoherenceChannel",
						new Class<?>[] { String.class, String.class, String.class, java.nio.file.Path.class },
						config.redisUri, channelName, logPrefix, config.redisTrustedCertificates );
			}
			case NONE -> throw new IllegalArgumentException( "no channel" );
		};
		this.publisher = new Thread( this::publishLoop, "write-behind-coherence-" + unitName );
		publisher.setDaemon( true );
	}

	private static void requireClass(String className, String channel, String what) {
		try {
			Class.forName( className, false, ClusterCoherence.class.getClassLoader() );
		}
		catch (ClassNotFoundException | LinkageError e) {
			throw new WriteBehindConfigurationException( WriteBehindSettings.CLUSTER_CHANNEL + " was '" + channel
					+ "', which needs " + what + " on the class path; add that dependency to the application" );
		}
	}

	private static CoherenceChannel create(String className, Class<?>[] types, Object... arguments) {
		try {
			return (CoherenceChannel) Class.forName( className ).getConstructor( types ).newInstance( arguments );
		}
		catch (ReflectiveOperationException e) {
			throw new IllegalStateException( "Could not create " + className, e );
		}
	}

	public void start() {
		if ( ledger != null ) {
			ledger.ensureTable();
			if ( schemaRecreated() ) {
				List<String> ledgered = new ArrayList<>();
				byRegion.values().stream().filter( Target::ledgered ).forEach( t -> ledgered.add( t.region().entityName() ) );
				ledger.clear( ledgered );
			}
		}
		publisher.start();
		channel.start( this );
		LOG.infof( "%sCache coherence through the %s (node %s)", logPrefix, description, nodeId );
	}

	/** Whether Hibernate's schema management dropped and created (or truncated) the tables at this start. */
	private boolean schemaRecreated() {
		Map<String, Object> settings = factory.getServiceRegistry()
				.requireService( org.hibernate.engine.config.spi.ConfigurationService.class ).getSettings();
		for ( String key : List.of( "jakarta.persistence.schema-generation.database.action", "hibernate.hbm2ddl.auto",
				"javax.persistence.schema-generation.database.action" ) ) {
			Object value = settings.get( key );
			if ( value != null ) {
				String action = value.toString().trim().toLowerCase( java.util.Locale.ROOT ).replace( '_', '-' );
				return action.equals( "create" ) || action.equals( "create-drop" ) || action.equals( "drop-and-create" )
						|| action.equals( "truncate" );
			}
		}
		return false;
	}

	public String nodeId() {
		return nodeId;
	}

	/** Whether the channel listens now (messages of other nodes are being received). */
	public boolean listening() {
		return listening;
	}

	public CoherenceChannel channel() {
		return channel;
	}

	public long messagesSent() {
		return sent.get();
	}

	public long messagesReceived() {
		return received.get();
	}

	/** Ids evicted because another node changed them (pending writes are never evicted). */
	public long idsEvicted() {
		return evicted.get();
	}

	/** Pending writes this node wrote early because another node's commit of the id was refused. */
	public long flushRequestsServed() {
		return flushRequestsServed.get();
	}

	/**
	 * Messages ignored because they were not well-formed, or (with {@code cluster.secret}) not signed or badly signed,
	 * or because handling them failed.
	 */
	public long malformedMessages() {
		return malformed.get();
	}

	/** Times the whole clean cache was evicted because messages may have been missed. */
	public long gaps() {
		return gaps.get();
	}

	/**
	 * Commits of this node the version ledger refused (one per refused commit); not those refused because of a mark
	 * of another node's newer version, without asking the ledger.
	 */
	public long commitsRefused() {
		return commitsRefused.get();
	}

	/** Ids this node asked the other nodes to write now, after the version ledger refused a commit of them. */
	public long flushRequestsSent() {
		return flushRequestsSent.get();
	}

	// ---------------------------------------------------------------- committing threads, flusher threads

	/** A committed write of this node (never blocks: a full queue turns into a "flush all" message). */
	public void announce(EntityRegion region, Object id, EntitySnapshot state) {
		if ( !queue.offer( new Announcement( Kind.COMMIT, region, id, state, null ) ) ) {
			overflowed.set( true );
		}
	}

	@Override
	public void rewritten(EntityRegion region, Object id, EntitySnapshot before, EntitySnapshot written) {
		if ( !queue.offer( new Announcement( Kind.REWRITE, region, id, written, before ) ) ) {
			overflowed.set( true ); // the ledger row, if any, ages out
		}
	}

	// ---------------------------------------------------------------- version ledger (committing threads)

	/** Whether commits claim their versions in the version ledger ({@code cluster.version_check=commit}). */
	public boolean ledgered(EntityRegion region) {
		Target target = byRegion.get( region );
		return target != null && target.ledgered();
	}

	/**
	 * The ledger claim of a committing versioned write of a ledgered region: {@code baseVersion} is the version read
	 * ({@code null} for an insert), {@code latest} the state committed (removed: a removal).
	 */
	public VersionLedger.Claim claimOf(EntityRegion region, Object id, Object baseVersion, EntitySnapshot latest) {
		Target target = byRegion.get( region );
		String text = VersionLedger.key( target.idType().toString( id ) );
		Long expected = baseVersion == null ? null : ledgerVersion( baseVersion );
		long next = latest.isDeleted() ? VersionLedger.REMOVED : ledgerVersion( latest.version() );
		return new VersionLedger.Claim( region.entityName(), text, expected, next,
				TimeUnit.NANOSECONDS.toMillis( target.markTtlNanos() ), id, baseVersion );
	}

	/**
	 * Claims the versions in the ledger, on the session's connection, in its transaction; throws when another node
	 * committed a newer version of an id first (and marks the id with it: reads are not cached until the database
	 * shows it).
	 */
	public void claim(org.hibernate.engine.spi.SharedSessionContractImplementor session, List<VersionLedger.Claim> claims) {
		ledger.claim( session, claims, claim -> factory.getMappingMetamodel().getEntityDescriptor( claim.entity() )
				.getCurrentVersion( claim.idObject(), session ) != null, (claim, found) -> {
			Target target = byEntity.get( claim.entity() );
			Object version = null;
			if ( found != null && Number.class.isAssignableFrom( target.versionType().getJavaTypeClass() ) ) {
				try {
					version = target.versionType().fromString( Long.toString( found ) );
				}
				catch (RuntimeException e) {
					version = null;
				}
			}
			RemoteMarks.of( target.region() ).remoteWrite( claim.idObject(), version,
					found == null && claim.expected() != null, target.markTtlNanos() );
			// the node holding the newer version may still have it pending: ask it to write it now, so that this
			// node's retry can read it without waiting for that node's max_delay_ms
			commitsRefused.incrementAndGet();
			if ( queue.offer( new Announcement( Kind.FLUSH_REQUEST, target.region(), claim.idObject(), null, null ) ) ) {
				flushRequestsSent.incrementAndGet();
			}
		} );
	}

	private static boolean ledgerVersionOf(Class<?> type) {
		return type == Integer.class || type == Long.class || type == Short.class || type == Byte.class
				|| type == java.math.BigInteger.class || java.util.Date.class.isAssignableFrom( type ) && type != java.sql.Date.class
				|| type == java.time.Instant.class || type == java.time.LocalDateTime.class
				|| type == java.time.OffsetDateTime.class || type == java.time.ZonedDateTime.class
				|| java.util.Calendar.class.isAssignableFrom( type );
	}

	/** A version as the ledger's number: integral versions as they are, timestamps in microseconds since the epoch. */
	static long ledgerVersion(Object version) {
		if ( version instanceof Number number ) {
			return number.longValue();
		}
		java.time.Instant instant;
		if ( version instanceof java.time.Instant value ) {
			instant = value;
		}
		else if ( version instanceof java.util.Date date ) {
			instant = date.toInstant();
		}
		else if ( version instanceof java.time.LocalDateTime value ) {
			instant = value.toInstant( java.time.ZoneOffset.UTC );
		}
		else if ( version instanceof java.time.OffsetDateTime value ) {
			instant = value.toInstant();
		}
		else if ( version instanceof java.time.ZonedDateTime value ) {
			instant = value.toInstant();
		}
		else if ( version instanceof java.util.Calendar value ) {
			instant = value.toInstant();
		}
		else {
			throw new IllegalArgumentException( "not a ledger version: " + version );
		}
		return Math.addExact( Math.multiplyExact( instant.getEpochSecond(), 1_000_000L ), instant.getNano() / 1_000 );
	}

	// ---------------------------------------------------------------- publisher thread

	private void publishLoop() {
		boolean flushAllOwed = false;
		boolean failing = false;
		long backoff = 100;
		long nextPurge = System.nanoTime();
		while ( !closed || !queue.isEmpty() ) {
			Announcement first;
			try {
				first = queue.poll( 200, TimeUnit.MILLISECONDS );
			}
			catch (InterruptedException e) {
				if ( closed ) {
					first = queue.poll();
				}
				else {
					continue;
				}
			}
			if ( overflowed.getAndSet( false ) ) {
				LOG.warnf( "%sThe coherence queue overflowed (%d ids): the other nodes are told to evict every "
						+ "clean entry", logPrefix, QUEUE_CAPACITY );
				queue.clear();
				first = null;
				flushAllOwed = true;
			}
			List<CoherenceMessage> messages = new ArrayList<>();
			if ( flushAllOwed ) {
				messages.add( CoherenceMessage.flushAll( nodeId ) );
			}
			if ( first != null ) {
				List<Announcement> batch = new ArrayList<>();
				batch.add( first );
				queue.drainTo( batch, DRAIN_MAX );
				forgetRewritten( batch );
				if ( !flushAllOwed ) {
					messages.addAll( messagesOf( batch ) );
				}
			}
			for ( CoherenceMessage message : messages ) {
				try {
					channel.publish( signer == null ? message : signer.sign( message ) );
					sent.incrementAndGet();
					if ( message.kind() == CoherenceMessage.Kind.FLUSH_ALL ) {
						flushAllOwed = false;
					}
					if ( failing ) {
						LOG.infof( "%sPublishing on the %s works again; the other nodes were told to evict every "
								+ "clean entry", logPrefix, description );
						failing = false;
					}
					backoff = 100;
				}
				catch (Exception e) {
					// what is not sent is lost for the other nodes: they must evict broadly once it works again
					flushAllOwed = true;
					if ( !failing ) {
						LOG.warnf( "%sCannot publish on the %s (%s): other nodes may serve stale entries until it works "
								+ "again; they will then be told to evict every clean entry", logPrefix, description, e.toString() );
						failing = true;
					}
					if ( !closed ) {
						try {
							Thread.sleep( backoff );
						}
						catch (InterruptedException interrupted) {
							// closing
						}
						backoff = Math.min( backoff * 2, 5_000 );
					}
					break;
				}
			}
			if ( System.nanoTime() - nextPurge > 0 ) {
				nextPurge = System.nanoTime() + TimeUnit.SECONDS.toNanos( 1 );
				for ( Target target : byRegion.values() ) {
					RemoteMarks.of( target.region() ).purge();
				}
				logMalformed();
				if ( ledger != null && System.nanoTime() - nextLedgerPurge > 0 ) {
					nextLedgerPurge = System.nanoTime() + TimeUnit.MINUTES.toNanos( 1 );
					ledger.purge( TimeUnit.NANOSECONDS.toMillis( maxMarkTtlNanos() ) );
				}
			}
			if ( closed && failing ) {
				return;
			}
		}
	}

	/** Publisher thread only. */
	private long nextLedgerPurge = System.nanoTime();

	private long maxMarkTtlNanos() {
		long max = 0;
		for ( Target target : byRegion.values() ) {
			max = Math.max( max, target.markTtlNanos() );
		}
		return max;
	}

	/**
	 * The ledger's claims of this node's writes that will not reach the database as claimed (publisher thread): a
	 * dropped write's claim goes, a re-based write's claim moves to the version it will write; each only while the row
	 * still holds this node's claim (another node may have claimed a newer version since, which must stay).
	 */
	private void forgetRewritten(List<Announcement> batch) {
		if ( ledger == null ) {
			return;
		}
		List<VersionLedger.Rewrite> rewrites = new ArrayList<>();
		for ( Announcement announcement : batch ) {
			Target target = byRegion.get( announcement.region() );
			EntitySnapshot before = announcement.before();
			if ( announcement.kind() != Kind.REWRITE || target == null || !target.ledgered() || before == null
					|| !before.isDeleted() && before.version() == null ) {
				continue;
			}
			EntitySnapshot written = announcement.state();
			Long next = written == null ? null
					: written.isDeleted() ? VersionLedger.REMOVED
					: written.version() == null ? null : ledgerVersion( written.version() );
			rewrites.add( new VersionLedger.Rewrite( announcement.region().entityName(),
					VersionLedger.key( target.idType().toString( announcement.id() ) ),
					before.isDeleted() ? VersionLedger.REMOVED : ledgerVersion( before.version() ), next ) );
		}
		ledger.rewrite( rewrites );
	}

	private List<CoherenceMessage> messagesOf(List<Announcement> batch) {
		Map<EntityRegion, List<Change>> changes = new LinkedHashMap<>();
		Map<EntityRegion, java.util.Set<String>> requests = new LinkedHashMap<>();
		Map<EntityRegion, Boolean> whole = new IdentityHashMap<>();
		for ( Announcement announcement : batch ) {
			Target target = byRegion.get( announcement.region() );
			if ( announcement.kind() == Kind.FLUSH_REQUEST ) {
				if ( target != null && target.idType() != null ) {
					requests.computeIfAbsent( announcement.region(), r -> new java.util.LinkedHashSet<>() )
							.add( target.idType().toString( announcement.id() ) );
				}
				continue;
			}
			if ( target == null || whole.containsKey( announcement.region() ) ) {
				continue;
			}
			Change change = change( target, announcement );
			if ( change == null ) {
				whole.put( announcement.region(), Boolean.TRUE );
				changes.remove( announcement.region() );
			}
			else {
				changes.computeIfAbsent( announcement.region(), r -> new ArrayList<>() ).add( change );
			}
		}
		List<CoherenceMessage> messages = new ArrayList<>();
		for ( EntityRegion region : whole.keySet() ) {
			messages.add( CoherenceMessage.flushRegion( nodeId, region.entityName() ) );
		}
		// what a receiver parses at most, and room for the signature
		int limit = Math.min( channel.maxPayloadBytes(), CoherenceMessage.MAX_TEXT_LENGTH )
				- ( signer == null ? 0 : MessageSigner.SIGNATURE_CHARS );
		changes.forEach( (region, list) -> messages.addAll(
				CoherenceMessage.split( nodeId, CoherenceMessage.Kind.WRITES, region.entityName(), list, limit ) ) );
		// flush requests after the writes (the refused commits of one drain)
		requests.forEach( (region, ids) -> messages.addAll( CoherenceMessage.split( nodeId,
				CoherenceMessage.Kind.FLUSH_REQUEST, region.entityName(),
				ids.stream().map( id -> new Change( id, null, false ) ).toList(), limit ) ) );
		return messages;
	}

	/** The change of an announcement, or {@code null} when its id cannot be sent as text. */
	private static Change change(Target target, Announcement announcement) {
		if ( target.idType() == null ) {
			return null;
		}
		try {
			String id = target.idType().toString( announcement.id() );
			if ( id == null ) {
				return null;
			}
			EntitySnapshot state = announcement.state();
			if ( announcement.dropped() ) {
				return new Change( id, null, false );
			}
			boolean removed = state != null && state.isDeleted();
			Object version = state == null || removed ? null : state.version();
			return new Change( id, version == null || target.versionType() == null ? null
					: target.versionType().toString( version ), removed );
		}
		catch (RuntimeException e) {
			return null;
		}
	}

	// ---------------------------------------------------------------- channel thread

	@Override
	public void receivedText(String text) {
		CoherenceMessage message;
		try {
			message = CoherenceMessage.parse( text );
		}
		catch (CoherenceMessage.MalformedMessageException e) {
			malformed( e.getMessage() );
			return;
		}
		received( message );
	}

	/** Never throws: anyone who can publish on the channel can send anything. */
	@Override
	public void received(CoherenceMessage message) {
		if ( closed ) {
			return;
		}
		if ( signer != null ) {
			String problem = signer.problem( message );
			if ( problem != null ) {
				malformed( problem );
				return;
			}
		}
		if ( nodeId.equals( message.origin() ) ) {
			return;
		}
		try {
			handle( message );
		}
		catch (RuntimeException e) {
			malformed( "handling it failed: " + e.getClass().getName() );
		}
		finally {
			received.incrementAndGet(); // once handled: a test that sees the count sees the evictions
		}
	}

	/** Counts a message that was ignored, and logs (at most once per interval, with the count since the last line). */
	private void malformed(String problem) {
		malformed.incrementAndGet();
		malformedUnlogged.incrementAndGet();
		latestMalformed = problem;
		logMalformed();
	}

	/** Logs the malformed messages not logged yet, unless a line was logged less than an interval ago. */
	private void logMalformed() {
		long last = malformedLoggedAt.get();
		long now = System.nanoTime();
		if ( now - last < MALFORMED_LOG_INTERVAL_NANOS || malformedUnlogged.get() == 0
				|| !malformedLoggedAt.compareAndSet( last, now ) ) {
			return;
		}
		long count = malformedUnlogged.getAndSet( 0 );
		if ( count > 0 ) {
			MESSAGES.malformedMessages( logPrefix, count, description, latestMalformed );
		}
	}

	private void handle(CoherenceMessage message) {
		switch ( message.kind() ) {
			case FLUSH_ALL -> {
				LOG.infof( "%sNode %s may have lost coherence messages: evicting every clean entry", logPrefix, message.origin() );
				evictAll();
			}
			case FLUSH_REQUEST -> {
				Target target = byEntity.get( message.entity() );
				if ( target == null || target.idType() == null ) {
					return;
				}
				for ( Change change : message.changes() ) {
					try {
						if ( target.region().flushSoon( target.idType().fromString( change.id() ) ) ) {
							flushRequestsServed.incrementAndGet();
						}
					}
					catch (RuntimeException e) {
						// an id this node cannot read: it is not one of its pending writes either
					}
				}
			}
			case FLUSH_REGION -> {
				Target target = byEntity.get( message.entity() );
				if ( target != null ) {
					target.region().invalidateAll();
				}
			}
			case WRITES -> {
				Target target = byEntity.get( message.entity() );
				if ( target == null ) {
					return; // not opted in on this node
				}
				for ( Change change : message.changes() ) {
					Object id;
					Object version;
					try {
						id = target.idType().fromString( change.id() );
						version = change.version() == null || target.versionType() == null ? null
								: target.versionType().fromString( change.version() );
					}
					catch (RuntimeException e) {
						target.region().invalidateAll();
						continue;
					}
					RemoteMarks.of( target.region() ).remoteWrite( id, version, change.removed(),
							target.markTtlNanos() );
					evicted.incrementAndGet();
				}
			}
		}
	}

	@Override
	public void disconnected(String reason) {
		if ( closed ) {
			return;
		}
		listening = false;
		for ( Target target : byRegion.values() ) {
			RemoteMarks.of( target.region() ).cacheLoads( false );
		}
		evictAll();
		LOG.warnf( "%s%s; evicted every clean entry, and reads are not cached until it is back", logPrefix, reason );
	}

	@Override
	public void reconnected() {
		if ( closed ) {
			return;
		}
		evictAll();
		for ( Target target : byRegion.values() ) {
			RemoteMarks.of( target.region() ).cacheLoads( true );
		}
		listening = true;
		if ( everListened ) {
			gaps.incrementAndGet();
			LOG.warnf( "%sListening again on the %s; messages sent meanwhile were missed, so every clean entry was "
					+ "evicted", logPrefix, description );
		}
		everListened = true;
	}

	private void evictAll() {
		for ( Target target : byRegion.values() ) {
			target.region().invalidateAll();
		}
	}

	/** Sends what is queued (up to 2 s), then closes the channel. */
	public void close() {
		closed = true;
		try {
			publisher.join( 2_000 ); // it sends what is queued, then ends
			if ( publisher.isAlive() ) {
				publisher.interrupt();
				publisher.join( 1_000 );
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		channel.close();
	}
}
