package io.writebehind.hibernate;

import java.util.concurrent.ConcurrentHashMap;

import jakarta.persistence.TransactionRequiredException;

import org.hibernate.engine.spi.EntityEntry;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.engine.spi.TransactionCompletionCallbacks;
import org.hibernate.event.spi.EventSource;
import org.hibernate.event.spi.PostInsertEvent;
import org.hibernate.event.spi.PostInsertEventListener;
import org.hibernate.event.spi.PreDeleteEvent;
import org.hibernate.event.spi.PreDeleteEventListener;
import org.hibernate.event.spi.PreInsertEvent;
import org.hibernate.event.spi.PreInsertEventListener;
import org.hibernate.event.spi.PreUpdateEvent;
import org.hibernate.event.spi.PreUpdateEventListener;
import org.hibernate.persister.entity.EntityPersister;

import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.cache.EntityState;
import io.writebehind.internal.queue.EntityRegion;

/**
 * Captures the inserts, updates and deletes Hibernate is about to execute for opted-in entities and vetoes them: the
 * state goes to the transaction's {@link TransactionWrites} instead, and the {@link EntityEntry} is updated as if the
 * statement had run (so the entity is managed, clean and versioned exactly as after a real flush). Writes of the
 * flusher's own stateless sessions pass through, and so does the INSERT of an entity whose id the database generates
 * (see {@link IdentityInserts}): it is recorded once Hibernate has executed it ({@code POST_INSERT}).
 * <p>
 * Threads: called on the application thread that runs the session. {@link #transactions} maps each session with
 * captured writes to its buffer, from the first capture until the transaction completes.
 */
final class WriteCaptureListener implements PreInsertEventListener, PreUpdateEventListener, PreDeleteEventListener,
		PostInsertEventListener {

	private final WriteBehindInstallation installation;
	private final ConcurrentHashMap<SharedSessionContractImplementor, TransactionWrites> transactions = new ConcurrentHashMap<>();

	private final ReferencedRows referencedRows;

	WriteCaptureListener(WriteBehindInstallation installation) {
		this.installation = installation;
		this.referencedRows = new ReferencedRows( installation, this );
	}

	/** The writes captured so far by the session's current transaction, or null. */
	TransactionWrites current(SharedSessionContractImplementor session) {
		return transactions.get( session );
	}

	@Override
	public boolean onPreInsert(PreInsertEvent event) {
		SharedSessionContractImplementor session = event.getSession();
		EntityPersister persister = event.getPersister();
		EntityRegion region = installation.regionOf( persister, session );
		if ( region == null || IdentityInserts.insertsAtCommit( persister ) ) {
			// written now, in the application's transaction: the rows it references must be there
			referencedRows.ensureWritten( persister, event.getState(), session );
			return false;
		}
		Object[] state = event.getState();
		Object version = persister.isVersioned() ? state[persister.getVersionPropertyIndex()] : null;
		Object entity = event.getEntity();
		EntitySnapshot snapshot = EntitySnapshot.of( EntityState.capture( state, persister, version, session, entity ) );
		writes( session ).insert( region, event.getId(), snapshot, persister, entity );
		entry( session, entity ).postInsert( state );
		return true;
	}

	/** Hibernate has inserted an opted-in entity with a database-generated id in the application's transaction. */
	@Override
	public void onPostInsert(PostInsertEvent event) {
		EntityRegion region = installation.regionOf( event.getPersister(), event.getSession() );
		if ( region != null && IdentityInserts.insertsAtCommit( event.getPersister() ) ) {
			writes( event.getSession() ).insertedInTransaction( region, event.getId(), IdentityInserts.inserted( event ) );
		}
	}

	@Override
	public boolean requiresPostCommitHandling(EntityPersister persister) {
		return false;
	}

	@Override
	public boolean onPreUpdate(PreUpdateEvent event) {
		SharedSessionContractImplementor session = event.getSession();
		EntityPersister persister = event.getPersister();
		EntityRegion region = installation.regionOf( persister, session );
		if ( region == null ) {
			referencedRows.ensureWritten( persister, event.getState(), session );
			return false;
		}
		Object entity = event.getEntity();
		EntityEntry entry = entry( session, entity );
		Object[] state = event.getState();
		Object nextVersion = persister.isVersioned() ? state[persister.getVersionPropertyIndex()] : null;
		EntitySnapshot snapshot = EntitySnapshot.of( EntityState.capture( state, persister, nextVersion, session, entity ) );
		writes( session ).update( region, event.getId(), snapshot, entry.getVersion(), persister );
		entry.postUpdate( entity, state, nextVersion );
		return true;
	}

	@Override
	public boolean onPreDelete(PreDeleteEvent event) {
		SharedSessionContractImplementor session = event.getSession();
		EntityPersister persister = event.getPersister();
		EntityRegion region = installation.regionOf( persister, session );
		if ( region == null ) {
			return false;
		}
		Object baseVersion = entry( session, event.getEntity() ).getVersion();
		writes( session ).delete( region, event.getId(), EntitySnapshot.deleted( persister.getEntityName() ), baseVersion,
				persister );
		return true;
	}

	private static EntityEntry entry(SharedSessionContractImplementor session, Object entity) {
		return session.getPersistenceContextInternal().getEntry( entity );
	}

	private TransactionWrites writes(SharedSessionContractImplementor session) {
		TransactionWrites writes = transactions.get( session );
		if ( writes == null ) {
			if ( !session.isTransactionInProgress() ) {
				throw new TransactionRequiredException( installation.runtime().logPrefix() + "An opted-in "
						+ "(@WriteBehindEntity) entity was written outside a transaction; write-behind queues only the "
						+ "writes of committed transactions: begin a transaction" );
			}
			writes = new TransactionWrites( installation.runtime(), this );
			transactions.put( session, writes );
			var actionQueue = ( (EventSource) session ).getActionQueue();
			actionQueue.registerCallback( (TransactionCompletionCallbacks.BeforeCompletionCallback) writes );
			actionQueue.registerCallback( (TransactionCompletionCallbacks.AfterCompletionCallback) writes );
		}
		return writes;
	}

	void completed(SharedSessionContractImplementor session, TransactionWrites writes) {
		transactions.remove( session, writes );
	}

	WriteBehindRuntime runtime() {
		return installation.runtime();
	}
}
