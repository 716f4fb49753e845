package io.writebehind.hibernate;

import org.hibernate.StaleObjectStateException;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

import io.writebehind.internal.common.CurrentVersions;
import io.writebehind.internal.common.HibernateFailures;
import io.writebehind.internal.cache.EntitySnapshot;

/**
 * The optimistic check of a committing write against the latest committed state, as the database's version check
 * would have done it: the region's guard (another node committed a newer version), the pending write or the cache,
 * else the row's version read in a short transaction of its own. Stateless; called before completion.
 */
final class CommitCheck {

	private CommitCheck() {
	}

	/** Throws {@link StaleObjectStateException} (or a duplicate-id failure for an insert) when the write is stale. */
	static void check(CapturedWrite write, SharedSessionContractImplementor session) {
		if ( write.baseExists && write.region.newerElsewhere( write.id, write.baseVersion ) ) {
			throw new StaleObjectStateException( write.latest.entityName(), write.id, "version " + write.baseVersion
					+ " was read, but another application node has committed a newer version" );
		}
		EntitySnapshot current = write.region.lookup( write.id );
		if ( current == null ) {
			if ( write.baseExists && write.region.versioned() && write.persister != null
					&& write.writtenInTransaction == null ) {
				// the cache no longer knows the id (evicted since the transaction read it): ask the database, as the
				// UPDATE's version check would have done
				Object databaseVersion = currentVersion( write, session );
				if ( databaseVersion == null || !write.region.sameVersion( databaseVersion, write.baseVersion ) ) {
					throw new StaleObjectStateException( write.latest.entityName(), write.id,
							"version " + write.baseVersion + " was read, but the database holds "
									+ ( databaseVersion == null ? "no row" : "version " + databaseVersion ) );
				}
			}
			return;
		}
		if ( write.baseExists ) {
			if ( current.isDeleted() ) {
				throw new StaleObjectStateException( write.latest.entityName(), write.id,
						"the entity was removed by a transaction that committed first" );
			}
			if ( write.region.versioned() && !write.region.sameVersion( current.version(), write.baseVersion ) ) {
				throw new StaleObjectStateException( write.latest.entityName(), write.id,
						"version " + write.baseVersion + " was read, but version " + current.version()
								+ " was committed first" );
			}
		}
		else if ( !current.isDeleted() && write.writtenInTransaction == null ) {
			// an INSERT of this transaction, also one it removed again afterwards (as the database would have refused
			// the INSERT at the flush in between)
			throw HibernateFailures.duplicateId( write.persister, write.latest.entityName(), write.id,
					"committed through write-behind" );
		}
	}

	/** The version the database holds now, read in a short transaction of its own ({@link CurrentVersions}). */
	private static Object currentVersion(CapturedWrite write, SharedSessionContractImplementor session) {
		return CurrentVersions.read( write.persister, write.id, session );
	}
}
