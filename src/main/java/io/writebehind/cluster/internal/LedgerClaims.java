package io.writebehind.cluster.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

import io.writebehind.cluster.internal.Announcement.Dropped;
import io.writebehind.cluster.internal.Announcement.Rebased;
import io.writebehind.cluster.internal.VersionLedger.Claim;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.queue.EntityRegion;

/**
 * This node's use of the version ledger ({@code cluster.version_check=commit}): the claims of its commits, the
 * rewrites of its claims when the flusher drops or re-bases a write, and the purge of rows that no longer count.
 * Thread use: {@link #claimOf} and {@link #claim} on committing threads; {@link #rewritten} and {@link #purgeIfDue} on
 * the publisher thread.
 */
final class LedgerClaims {

	private static final long PURGE_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos( 1 );

	private final SessionFactoryImplementor factory;
	private final CoherentEntities entities;
	private final VersionLedger ledger;
	/** When the next purge is due ({@link System#nanoTime()}); publisher thread only. */
	private long nextPurge = System.nanoTime();

	LedgerClaims(SessionFactoryImplementor factory, String table, String logPrefix, CoherentEntities entities) {
		this.factory = factory;
		this.entities = entities;
		this.ledger = new VersionLedger( new LedgerTable( factory, table, logPrefix ), logPrefix );
	}

	/** At boot: creates the table when missing, and forgets the claims of entities whose tables were created anew. */
	void start(boolean schemaRecreated) {
		ledger.table().ensureTable();
		if ( schemaRecreated ) {
			ledger.table().clear( entities.ledgeredNames() );
		}
	}

	/**
	 * The ledger claim of a committing versioned write of a ledgered region: {@code baseVersion} is the version read
	 * ({@code null} for an insert), {@code latest} the state committed (removed: a removal).
	 */
	Claim claimOf(EntityRegion region, Object id, Object baseVersion, EntitySnapshot latest) {
		CoherentEntity entity = entities.of( region );
		Long expected = baseVersion == null ? null : LedgerVersions.of( baseVersion );
		long next = latest.isDeleted() ? LedgerVersions.REMOVED : LedgerVersions.of( latest.version() );
		return new Claim( region.entityName(), entity.ledgerKey( id ), expected, next, entity.markTtlMillis(), id,
				baseVersion );
	}

	/** Claims the versions on the session's connection, in its transaction; {@code refusal} is told of a refusal. */
	void claim(SharedSessionContractImplementor session, List<Claim> claims, VersionLedger.Refusal refusal) {
		ledger.claim( session, claims, claim -> factory.getMappingMetamodel().getEntityDescriptor( claim.entity() )
				.getCurrentVersion( claim.idObject(), session ) != null, refusal );
	}

	/**
	 * The claims of this node's writes that will not reach the database as claimed (publisher thread): a dropped
	 * write's claim goes, a re-based write's claim moves to the version it will write; each only while the row still
	 * holds this node's claim (another node may have claimed a newer version since, which must stay).
	 */
	void rewritten(List<Announcement> batch) {
		List<LedgerTable.Rewrite> rewrites = new ArrayList<>();
		for ( Announcement announcement : batch ) {
			EntitySnapshot before;
			EntitySnapshot written;
			if ( announcement instanceof Dropped dropped ) {
				before = dropped.before();
				written = null;
			}
			else if ( announcement instanceof Rebased rebased ) {
				before = rebased.before();
				written = rebased.written();
			}
			else {
				continue;
			}
			CoherentEntity entity = entities.of( announcement.region() );
			if ( entity == null || !entity.ledgered() || before == null || !before.isDeleted() && before.version() == null ) {
				continue;
			}
			String key = entity.ledgerKey( announcement.id() );
			long claimed = before.isDeleted() ? LedgerVersions.REMOVED : LedgerVersions.of( before.version() );
			if ( written == null || !written.isDeleted() && written.version() == null ) {
				rewrites.add( new LedgerTable.Release( entity.name(), key, claimed ) );
			}
			else {
				rewrites.add( new LedgerTable.Move( entity.name(), key, claimed,
						written.isDeleted() ? LedgerVersions.REMOVED : LedgerVersions.of( written.version() ) ) );
			}
		}
		ledger.table().rewrite( rewrites );
	}

	/** Deletes the rows that no longer count, once a minute (publisher thread). */
	void purgeIfDue() {
		if ( System.nanoTime() - nextPurge > 0 ) {
			nextPurge = System.nanoTime() + PURGE_INTERVAL_NANOS;
			ledger.table().purge( TimeUnit.NANOSECONDS.toMillis( entities.maxMarkTtlNanos() ) );
		}
	}
}
