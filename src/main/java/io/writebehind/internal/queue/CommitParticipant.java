package io.writebehind.internal.queue;

import java.util.List;

import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * A feature taking part in the commit of a transaction's opted-in writes (the version ledger of a cluster, the
 * journal, the announcement to other nodes). The writes passed leave out those that the transaction created and
 * removed again without writing them (nothing happened). Called by the thread that completes the transaction, in the
 * order the participants were registered.
 */
public interface CommitParticipant {

	/**
	 * Before completion, once the writes passed their checks, hold their ids and took room in the queue: throws to
	 * veto the commit (the transaction rolls back).
	 */
	default void beforeCompletion(List<CommitWrite> writes, SharedSessionContractImplementor session) {
	}

	/**
	 * After the transaction committed, before its writes are published: returns what the participant attaches to
	 * each write (same order as {@code writes}: published with it, see {@link PendingWrite#attachment}), or
	 * {@code null} for none. At most one participant attaches data. Must not throw.
	 */
	default Object[] committed(List<CommitWrite> writes, SharedSessionContractImplementor session) {
		return null;
	}

	/** After the writes are published to their regions ({@code attachments}: what {@link #committed} returned). */
	default void published(List<CommitWrite> writes, Object[] attachments) {
	}
}
