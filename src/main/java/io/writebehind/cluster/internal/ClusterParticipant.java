package io.writebehind.cluster.internal;

import java.util.ArrayList;
import java.util.List;

import org.hibernate.engine.spi.SharedSessionContractImplementor;

import io.writebehind.internal.queue.CommitParticipant;
import io.writebehind.internal.queue.CommitWrite;

/**
 * The cluster's part in a commit: before completion, with {@code cluster.version_check=commit}, the versioned writes
 * claim their new versions in the version ledger, in the application's transaction (the commit fails when another
 * node committed a newer version first); with {@code lease}, this node holds the leases of their buckets; once published, the writes are announced to the other nodes (never blocks).
 * Stateless: called by the thread completing each transaction.
 */
public final class ClusterParticipant implements CommitParticipant {

	private final ClusterCoherence coherence;

	public ClusterParticipant(ClusterCoherence coherence) {
		this.coherence = coherence;
	}

	@Override
	public void beforeCompletion(List<CommitWrite> writes, SharedSessionContractImplementor session) {
		if ( coherence.leased() ) {
			coherence.holdLeases( writes, session );
			return;
		}
		List<VersionLedger.Claim> claims = null;
		for ( CommitWrite write : writes ) {
			if ( !coherence.ledgered( write.region() ) ) {
				continue; // not in the ledger
			}
			if ( claims == null ) {
				claims = new ArrayList<>( writes.size() );
			}
			claims.add( coherence.claimOf( write.region(), write.id(), write.baseExists() ? write.baseVersion() : null,
					write.state() ) );
		}
		if ( claims != null ) {
			coherence.claim( session, claims );
		}
	}

	@Override
	public void published(List<CommitWrite> writes, Object[] attachments) {
		for ( CommitWrite write : writes ) {
			coherence.announce( write.region(), write.id(), write.state() );
		}
		coherence.published( writes );
	}
}
