package io.writebehind.internal.journal;

import java.util.ArrayList;
import java.util.List;

import org.hibernate.engine.spi.SharedSessionContractImplementor;

import io.writebehind.internal.queue.CommitParticipant;
import io.writebehind.internal.queue.CommitWrite;
import io.writebehind.internal.queue.RowState;

/**
 * The journal's part in a commit: once the transaction committed, its writes are appended to the journal (with
 * {@code journal.fsync=ALWAYS} the application's {@code commit()} waits until they are on disk) and each is published
 * with its place in the journal; once published, the journal's checkpoint may pass the record when they are written.
 * Stateless: called by the thread completing each transaction.
 */
public final class JournalParticipant implements CommitParticipant {

	private final JournalSupport journal;

	public JournalParticipant(JournalSupport journal) {
		this.journal = journal;
	}

	/** Returns each write's {@link JournalPosition}, or {@code null} when nothing was journaled (or the append failed). */
	@Override
	public Object[] committed(List<CommitWrite> writes, SharedSessionContractImplementor session) {
		List<StateCodec.JournalWrite> entries = new ArrayList<>( writes.size() );
		List<Integer> alreadyWritten = null;
		// the position of each write in the record, -1 for one not in it
		int[] index = new int[writes.size()];
		// JPA's CacheStoreMode of the session as it commits, as the publish reads it (TransactionWrites)
		boolean cacheWhenWritten = session.getCacheMode().isPutEnabled();
		for ( int i = 0; i < index.length; i++ ) {
			CommitWrite write = writes.get( i );
			if ( write.insertedAtCommit() && write.alreadyWritten() ) {
				index[i] = -1;
				continue; // an INSERT that committed with the application's transaction
			}
			index[i] = entries.size();
			// a state its own transaction wrote: the chain of this node's writes of the id starts at that row
			RowState low = write.writtenInTransaction() ? write.row()
					: write.region().knownRow( write.id(), write.baseExists(), write.baseVersion() );
			if ( write.alreadyWritten() ) {
				if ( alreadyWritten == null ) {
					alreadyWritten = new ArrayList<>();
				}
				alreadyWritten.add( entries.size() );
			}
			entries.add( JournalSupport.write( write.state().entityName(), write.id(), write.state(), low.exists(),
					low.version(), write.state().isDeleted() ? write.row().version() : null, cacheWhenWritten ) );
		}
		if ( entries.isEmpty() ) {
			return null;
		}
		// never throws: a failed append is logged (WB000460), counted, and returns 0 (the writes are queued unjournaled)
		long seq = journal.append( entries, session );
		if ( seq == 0 ) {
			return null;
		}
		if ( alreadyWritten != null ) {
			// committed with the application's transaction: a restart need not replay them (the record still
			// supersedes older records of these ids)
			journal.written( seq, alreadyWritten );
		}
		Object[] positions = new Object[writes.size()];
		for ( int i = 0; i < positions.length; i++ ) {
			positions[i] = index[i] < 0 ? null : new JournalPosition( seq, index[i] );
		}
		return positions;
	}

	@Override
	public void published(List<CommitWrite> writes, Object[] attachments) {
		if ( attachments == null ) {
			return;
		}
		for ( Object attachment : attachments ) {
			if ( attachment instanceof JournalPosition position ) {
				journal.published( position.seq() ); // one record per transaction
				return;
			}
		}
	}
}
