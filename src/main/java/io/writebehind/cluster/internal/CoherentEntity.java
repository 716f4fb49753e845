package io.writebehind.cluster.internal;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.metamodel.mapping.BasicEntityIdentifierMapping;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.descriptor.java.JavaType;

import io.writebehind.internal.queue.EntityRegion;

/**
 * One opted-in hierarchy as the cluster sees it: how its ids and versions travel as text (Hibernate's Java types of
 * the identifier and version), how long another node's version of one of its ids is remembered, and whether its
 * commits are claimed in the version ledger. Immutable.
 *
 * @param idType {@code null} when the id is not a single basic value (composite ids): receivers evict the whole entity
 * @param versionType {@code null} when unversioned
 * @param markTtlNanos how long a claim, and a remembered version of another node, holds
 * @param ledgered whether its commits are claimed in the version ledger ({@code cluster.version_check=commit}, a
 * basic id, an integral or timestamp version)
 */
record CoherentEntity(EntityRegion region, JavaType<Object> idType, JavaType<Object> versionType, long markTtlNanos,
		boolean ledgered) {

	/**
	 * The hierarchy of {@code region}; {@code claimTtlMillis} is {@code cluster.claim_ttl_ms} (0: not set), and
	 * {@code withLedger} whether the unit checks versions at commit.
	 */
	@SuppressWarnings("unchecked")
	static CoherentEntity of(SessionFactoryImplementor factory, EntityRegion region, long claimTtlMillis,
			boolean withLedger) {
		EntityPersister persister = factory.getMappingMetamodel().getEntityDescriptor( region.entityName() );
		JavaType<Object> idType = persister.getIdentifierMapping() instanceof BasicEntityIdentifierMapping basic
				? (JavaType<Object>) basic.getJavaType() : null;
		JavaType<Object> versionType = persister.isVersioned()
				? (JavaType<Object>) (JavaType<?>) persister.getVersionMapping().getJavaType() : null;
		// cluster.claim_ttl_ms (10 minutes by default with a journal: a restarted node's replay must find its
		// claims), never shorter than the time a live node's write takes to reach the database
		long ttl = Math.max( Math.min( 2 * region.maxDelayNanos() + TimeUnit.SECONDS.toNanos( 10 ),
				TimeUnit.HOURS.toNanos( 1 ) ), TimeUnit.MILLISECONDS.toNanos( claimTtlMillis ) );
		boolean ledgered = withLedger && versionType != null && idType != null
				&& LedgerVersions.supports( versionType.getJavaTypeClass() );
		RemoteMarks.install( region ); // the region's write guard: the other nodes' newer versions
		return new CoherentEntity( region, idType, versionType, ttl, ledgered );
	}

	String name() {
		return region.entityName();
	}

	/** Versioned, but not in the ledger although the unit checks at commit: what keeps it out, for the boot log. */
	String notLedgeredReason() {
		return idType == null ? "composite id" : "version type " + versionType.getJavaTypeClass().getSimpleName();
	}

	long markTtlMillis() {
		return TimeUnit.NANOSECONDS.toMillis( markTtlNanos );
	}

	/** The id as text; empty when it cannot travel as text (a composite id, or a type without a string form). */
	Optional<String> idText(Object id) {
		if ( idType == null ) {
			return Optional.empty();
		}
		try {
			return Optional.ofNullable( idType.toString( id ) );
		}
		catch (RuntimeException e) {
			return Optional.empty();
		}
	}

	/** The id of a text another node sent; throws (a {@link RuntimeException}) for a text that is not one. */
	Object id(String text) {
		if ( idType == null ) {
			throw new IllegalStateException( "the ids of " + name() + " do not travel as text" );
		}
		return idType.fromString( text );
	}

	/** The version as text; {@code null} for no version (unversioned, or none known). */
	String versionText(Object version) {
		return version == null || versionType == null ? null : versionType.toString( version );
	}

	/** The version of a text another node sent ({@code null}: none); throws for a text that is not one. */
	Object version(String text) {
		return text == null || versionType == null ? null : versionType.fromString( text );
	}

	/** The version of a ledger's number, for versions that are numbers; {@code null} for the others or a bad one. */
	Object versionOfLedger(long found) {
		if ( !Number.class.isAssignableFrom( versionType.getJavaTypeClass() ) ) {
			return null;
		}
		try {
			return versionType.fromString( Long.toString( found ) );
		}
		catch (RuntimeException e) {
			return null;
		}
	}

	// ---------------------------------------------------------------- the region's cache, as the cluster sees it
	// (the one place that reaches the region's remote marks)

	/**
	 * Another node committed {@code id} ({@code version}: its new version, {@code null} when unknown; {@code removed}:
	 * a removal): the clean entry is evicted, and the version remembered for {@link #markTtlNanos()} (reads of the id
	 * are not cached, and commits based on an older version are refused, until a read shows it).
	 */
	void writtenElsewhere(Object id, Object version, boolean removed) {
		RemoteMarks.of( region ).remoteWrite( id, version, removed, markTtlNanos );
	}

	/** Evicts every clean entry (pending writes stay). */
	void evictAll() {
		region.invalidateAll();
	}

	/** Evicts the clean entries of the ids {@code which} accepts (pending writes stay). */
	void evictIf(java.util.function.Predicate<Object> which) {
		region.invalidateIf( which );
	}

	/** Whether reads from the database are cached (only while the channel listens). */
	void cacheLoads(boolean cache) {
		RemoteMarks.of( region ).cacheLoads( cache );
	}

	/** Who is told of an id whose commit another node's newer version refused ({@code version_check=lease}). */
	void onRefusal(java.util.function.Consumer<Object> listener) {
		RemoteMarks.of( region ).onRefusal( listener );
	}

	/** The ids whose commits the other nodes' versions do not refuse ({@code version_check=lease}: buckets held). */
	void owned(java.util.function.Predicate<Object> owned) {
		RemoteMarks.of( region ).owned( owned );
	}

	/** Forgets the other nodes' versions of the ids {@code which} accepts. */
	void forgetMarksIf(java.util.function.Predicate<Object> which) {
		RemoteMarks.of( region ).forgetIf( which );
	}

	/** Forgets the remembered versions of other nodes that expired. */
	void purgeMarks() {
		RemoteMarks.of( region ).purge();
	}

	/** Makes the id's pending write due now; whether there was one. */
	boolean flushSoon(Object id) {
		return region.flushSoon( id );
	}

	/** The ledger's key of an id of a ledgered entity. */
	String ledgerKey(Object id) {
		return VersionLedger.key( idType.toString( id ) );
	}
}
