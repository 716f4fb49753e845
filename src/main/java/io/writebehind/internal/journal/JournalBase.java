package io.writebehind.internal.journal;

import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.RowCheck;
import io.writebehind.internal.queue.RowState;

/**
 * What a write replayed from the journal expects of its row, and the check the flusher runs on the row before writing
 * it. The row holds our version: it applied before the crash (nothing is written twice). The row is missing or holds a
 * version of this node's chain of writes of the id (from the row as the oldest record of the id knew it,
 * {@code lowExists}/{@code lowVersion}, up to the replayed state): written normally. Anything else (the row changed
 * meanwhile): a conflict, for the entity's policy.
 *
 * @param lowExists whether the row existed before this node's chain of writes of the id
 * @param lowVersion its version then
 * @param deleteBaseVersion for a remove: the version the removing transaction read
 */
record JournalBase(boolean lowExists, Object lowVersion, Object deleteBaseVersion) implements RowCheck {

	@Override
	public Verdict check(EntityRegion region, EntitySnapshot state, RowState row) {
		if ( !region.versioned() ) {
			return WRITE; // last write wins: written again over whatever the row holds
		}
		Object rowVersion = row.version();
		if ( state.isDeleted() ) {
			if ( !row.exists() ) {
				return APPLIED;
			}
			if ( ourChain( region, rowVersion, deleteBaseVersion, true ) ) {
				return WRITE;
			}
			return new Conflict( "replayed from the journal, but the row holds version " + rowVersion
					+ ", which this remove did not read" );
		}
		Object version = state.version();
		if ( row.exists() && region.sameVersion( rowVersion, version ) ) {
			return APPLIED;
		}
		if ( !row.exists() ) {
			return lowExists ? new Conflict( "replayed from the journal, but the row was deleted" ) : WRITE;
		}
		if ( ourChain( region, rowVersion, version, false ) ) {
			return WRITE;
		}
		return new Conflict( "replayed from the journal, but the row holds version " + rowVersion
				+ ", not one this write was based on" );
	}

	/** Whether the row's version is one this node's commits went through before reaching {@code upper}. */
	private boolean ourChain(EntityRegion region, Object rowVersion, Object upper, boolean upperIncluded) {
		if ( lowExists && lowVersion != null ) {
			if ( region.sameVersion( rowVersion, lowVersion ) ) {
				return true;
			}
			if ( region.compareVersions( rowVersion, lowVersion ) < 0 ) {
				return false;
			}
		}
		if ( upper == null ) {
			return true;
		}
		int c = region.compareVersions( rowVersion, upper );
		return c < 0 || upperIncluded && c == 0;
	}
}
