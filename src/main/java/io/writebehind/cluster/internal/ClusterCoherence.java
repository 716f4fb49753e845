package io.writebehind.cluster.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

import org.hibernate.cfg.SchemaToolingSettings;
import org.hibernate.engine.config.spi.ConfigurationService;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

import io.writebehind.cluster.CoherenceChannel;
import io.writebehind.cluster.internal.Announcement.Committed;
import io.writebehind.cluster.internal.Announcement.Dropped;
import io.writebehind.cluster.internal.Announcement.FlushRequest;
import io.writebehind.cluster.internal.Announcement.Rebased;
import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.config.ClusterConfig;
import io.writebehind.internal.queue.CommitWrite;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.FlushItem;

/**
 * Cross-node cache coherence of one persistence unit: publishes the ids (and versions) its commits changed through a
 * {@link CoherenceChannel} ({@link CoherencePublisher}), evicts the ids other nodes changed
 * ({@link CoherenceReceiver}), and with {@code cluster.version_check=commit} claims its commits' versions in the
 * version ledger ({@link LedgerClaims}). The channel comes from the {@code CoherenceChannelProvider} that
 * {@code cluster.channel} names ({@link ChannelProviders}).
 * <p>
 * While the channel does not listen (not yet connected, or disconnected) the node caches nothing it reads from the
 * database, and on every (re)connection it evicts every clean entry: it may have missed messages.
 */
public final class ClusterCoherence implements EntityRegion.RewriteObserver {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( ClusterCoherence.class );

	/** Random per start; with a journal, the identity kept in its directory (a restarted node is the same lease owner). */
	private final String nodeId;
	private final String logPrefix;
	private final SessionFactoryImplementor factory;
	private final CoherentEntities entities;
	private final CoherenceChannel channel;
	/** {@code null} unless {@code cluster.version_check=commit}. */
	private final LedgerClaims ledger;
	/** {@code null} unless {@code cluster.version_check=lease}. */
	private final LeaseTable leaseTable;
	private final Leases leases;
	private final CoherenceCounters counters = new CoherenceCounters();
	private final CoherenceReceiver receiver;
	private final CoherencePublisher publisher;

	/**
	 * {@code journalNodeId}: the node's identity kept in its journal directory, {@code null} without a journal (a
	 * random one for this start).
	 */
	public ClusterCoherence(SessionFactoryImplementor factory, ClusterConfig config, String unitName, String logPrefix,
			List<EntityRegion> regions, String journalNodeId) {
		this.nodeId = journalNodeId != null ? journalNodeId : UUID.randomUUID().toString().substring( 0, 8 );
		this.logPrefix = logPrefix;
		this.factory = factory;
		MessageSigner signer = config.secret == null ? null : new MessageSigner( config.secret, config.previousSecret );
		boolean withLeases = config.versionCheck == ClusterConfig.VersionCheck.LEASE;
		boolean withLedger = config.versionCheck == ClusterConfig.VersionCheck.COMMIT;
		List<CoherentEntity> list = new ArrayList<>();
		for ( EntityRegion region : regions ) {
			CoherentEntity entity = CoherentEntity.of( factory, region, config.claimTtlMillis, withLedger );
			if ( withLedger && entity.versionType() != null && !entity.ledgered() ) {
				LOG.notLedgered( logPrefix, entity.name(), entity.notLedgeredReason() );
			}
			list.add( entity );
			region.rewriteObserver( this );
			entity.cacheLoads( false ); // until the channel listens
		}
		this.entities = new CoherentEntities( list );
		this.ledger = withLedger ? new LedgerClaims( factory, config.ledgerTable, logPrefix, entities ) : null;
		this.leaseTable = withLeases ? new LeaseTable( factory, config.leaseTable, logPrefix ) : null;
		this.channel = ChannelProviders.create( factory, config, unitName, logPrefix );
		this.receiver = new CoherenceReceiver( nodeId, logPrefix, entities, signer, counters, channel.description() );
		this.publisher = new CoherencePublisher( nodeId, unitName, logPrefix, channel, entities, signer, counters,
				ledger == null ? batch -> { } : ledger::rewritten, this::maintain );
		this.leases = withLeases ? new Leases( factory, config, nodeId, journalNodeId != null, unitName, logPrefix,
				entities, leaseTable,
				announcement -> publisher.offer( announcement ) ) : null;
		receiver.leases( leases );
	}

	public void start() {
		if ( leases != null ) {
			leaseTable.ensureTable();
			leases.start();
		}
		if ( ledger != null ) {
			ledger.start( schemaRecreated() );
		}
		publisher.start();
		channel.start( receiver );
		LOG.coherenceStarted( logPrefix, channel.description(), nodeId );
	}

	/** Whether Hibernate's schema management dropped and created (or truncated) the tables at this start. */
	private boolean schemaRecreated() {
		Map<String, Object> settings = factory.getServiceRegistry().requireService( ConfigurationService.class )
				.getSettings();
		@SuppressWarnings("deprecation") // the javax.persistence form is still read by Hibernate
		List<String> keys = List.of( SchemaToolingSettings.JAKARTA_HBM2DDL_DATABASE_ACTION,
				SchemaToolingSettings.HBM2DDL_AUTO, SchemaToolingSettings.HBM2DDL_DATABASE_ACTION );
		for ( String key : keys ) {
			Object value = settings.get( key );
			if ( value != null ) {
				String action = value.toString().trim().toLowerCase( Locale.ROOT ).replace( '_', '-' );
				return action.equals( "create" ) || action.equals( "create-drop" ) || action.equals( "drop-and-create" )
						|| action.equals( "truncate" );
			}
		}
		return false;
	}

	/** Whether the channel listens now (messages of other nodes are being received). */
	public boolean listening() {
		return receiver.listening();
	}

	public CoherenceChannel channel() {
		return channel;
	}

	public long messagesSent() {
		return counters.sent.get();
	}

	public long messagesReceived() {
		return counters.received.get();
	}

	/** Ids evicted because another node changed them (pending writes are never evicted). */
	public long idsEvicted() {
		return counters.evicted.get();
	}

	/** Pending writes this node wrote early because another node's commit of the id was refused. */
	public long flushRequestsServed() {
		return counters.flushRequestsServed.get();
	}

	/**
	 * Messages ignored because they were not well-formed, or (with {@code cluster.secret}) not signed or badly signed,
	 * or because handling them failed.
	 */
	public long malformedMessages() {
		return counters.malformed.get();
	}

	/** Times the whole clean cache was evicted because messages may have been missed. */
	public long gaps() {
		return counters.gaps.get();
	}

	/**
	 * Commits of this node the version ledger refused (one per refused commit); not those refused because of a mark
	 * of another node's newer version, without asking the ledger.
	 */
	public long commitsRefused() {
		return counters.commitsRefused.get();
	}

	/** Ids this node asked the other nodes to write now, after the version ledger refused a commit of them. */
	public long flushRequestsSent() {
		return counters.flushRequestsSent.get();
	}

	// ---------------------------------------------------------------- committing threads, flusher threads

	/** A committed write of this node (never blocks: a full queue turns into a "flush all" message). */
	public void announce(EntityRegion region, Object id, EntitySnapshot state) {
		publisher.offer( new Committed( region, id, state ) );
	}

	/** A commit's writes are in the queue ({@code cluster.version_check=lease}: see {@code Leases.published}). */
	public void published(List<CommitWrite> writes) {
		if ( leases != null ) {
			leases.published( writes, entities );
		}
	}

	@Override
	public void rewritten(EntityRegion region, Object id, EntitySnapshot before, EntitySnapshot written) {
		// a lost announcement turns into a "flush all" message; the ledger row, if any, ages out
		publisher.offer( written == null ? new Dropped( region, id, before ) : new Rebased( region, id, before, written ) );
	}

	// ---------------------------------------------------------------- leases (committing threads)

	/** Whether commits are checked by leases ({@code cluster.version_check=lease}). */
	public boolean leased() {
		return leases != null;
	}

	/**
	 * {@code cluster.version_check=lease}: holds the buckets of the transaction's leased writes until it completed, and
	 * checks their versions once held; throws when a bucket could not be had in time or a version was replaced.
	 */
	public void holdLeases(List<CommitWrite> writes, SharedSessionContractImplementor session) {
		leases.beforeCompletion( writes, session, entities );
	}

	/**
	 * {@code cluster.version_check=lease}, inside a flush transaction before it commits: throws
	 * {@code FlushFence.Fenced} unless this node still holds, at the epoch its writes were committed under, the leases
	 * of the buckets the items fall in (the lease rows stay locked until the flush transaction ends).
	 */
	public void fence(List<FlushItem> items, SharedSessionContractImplementor session) {
		leases.fence( items, session, entities );
	}

	/**
	 * {@code cluster.version_check=lease}: the reason a write replayed from the journal may not land (another node took
	 * its bucket while this node was down), or {@code null}.
	 */
	public String refusedReplay(FlushItem item) {
		return leases.refusedReplay( item, entities );
	}

	/** This node's identity on the channel and in the lease table. */
	public String nodeId() {
		return nodeId;
	}

	/**
	 * For tests: clears the dirty marks of the buckets without pending writes now (as the keeper does), running
	 * {@code afterScan} (may be null) between its look for unused buckets and their clear.
	 */
	public void clearDirtyLeasesForTest(Runnable afterScan) {
		leases.clearCleanNow( afterScan );
	}

	/** For tests: this node counts none of its leases as valid any more (as after a long pause). */
	public void expireLeasesForTest() {
		leases.expireAllLocally();
	}

	/** The lease bucket of an id ({@code cluster.version_check=lease}); -1 when its entity is not leased. */
	public int leaseBucket(EntityRegion region, Object id) {
		CoherentEntity entity = entities.of( region );
		return leases == null || !leases.leased( entity ) ? -1 : leases.bucketOf( entity, id ).index;
	}

	/** Leases this node took (a round trip each), renewed, and handed over to another node on its request. */
	public long leasesAcquired() {
		return leases == null ? 0 : leases.acquired.get();
	}

	public long leasesRenewed() {
		return leases == null ? 0 : leases.renewed.get();
	}

	public long leaseHandOvers() {
		return leases == null ? 0 : leases.handedOver.get();
	}

	// ---------------------------------------------------------------- version ledger (committing threads)

	/** Whether commits claim their versions in the version ledger ({@code cluster.version_check=commit}). */
	public boolean ledgered(EntityRegion region) {
		CoherentEntity entity = entities.of( region );
		return entity != null && entity.ledgered();
	}

	/**
	 * The ledger claim of a committing versioned write of a ledgered region: {@code baseVersion} is the version read
	 * ({@code null} for an insert), {@code latest} the state committed (removed: a removal).
	 */
	public VersionLedger.Claim claimOf(EntityRegion region, Object id, Object baseVersion, EntitySnapshot latest) {
		return ledger.claimOf( region, id, baseVersion, latest );
	}

	/**
	 * Claims the versions in the ledger, on the session's connection, in its transaction; throws when another node
	 * committed a newer version of an id first (and marks the id with it: reads are not cached until the database
	 * shows it).
	 */
	public void claim(SharedSessionContractImplementor session, List<VersionLedger.Claim> claims) {
		ledger.claim( session, claims, this::refused );
	}

	/** A claim of a committing thread was refused: another node committed {@code newer} (empty: a removal, or unknown). */
	private void refused(VersionLedger.Claim claim, OptionalLong newer) {
		CoherentEntity entity = entities.named( claim.entity() );
		Object version = newer.isPresent() ? entity.versionOfLedger( newer.getAsLong() ) : null;
		entity.writtenElsewhere( claim.idObject(), version, newer.isEmpty() && !claim.insert() );
		// the node holding the newer version may still have it pending: ask it to write it now, so that this
		// node's retry can read it without waiting for that node's max_delay_ms
		counters.commitsRefused.incrementAndGet();
		if ( publisher.offer( new FlushRequest( entity.region(), claim.idObject() ) ) ) {
			counters.flushRequestsSent.incrementAndGet();
		}
	}

	// ---------------------------------------------------------------- publisher thread

	/** Once a second: forgets expired marks of other nodes' versions, logs malformed messages, purges the ledger. */
	private void maintain() {
		for ( CoherentEntity entity : entities.all() ) {
			entity.purgeMarks();
		}
		receiver.logMalformed();
		if ( ledger != null ) {
			ledger.purgeIfDue();
		}
	}

	/** Sends what is queued (up to 2 s), then closes the channel. */
	public void close() {
		if ( leases != null ) {
			leases.close();
		}
		receiver.close();
		publisher.close();
		channel.close();
	}
}
