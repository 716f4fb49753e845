package io.writebehind.hibernate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.hibernate.StaleObjectStateException;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.engine.spi.TransactionCompletionCallbacks.AfterCompletionCallback;
import org.hibernate.engine.spi.TransactionCompletionCallbacks.BeforeCompletionCallback;
import org.hibernate.persister.entity.EntityPersister;

import io.writebehind.FailedWrite.Operation;
import io.writebehind.WriteBehindQueueFullException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.flush.EntityWriter;
import io.writebehind.internal.queue.CommitParticipant;
import io.writebehind.internal.queue.CommitWrite;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.RowState;

/**
 * The opted-in writes of one application transaction, coalesced per id, owned by the thread that runs the session.
 * Before completion it checks them against the latest committed state (the optimistic version check the database
 * would have done), reserves their ids and room in the queue; after a successful completion it publishes them to the
 * write queue, after a rollback it leaves no trace.
 */
final class TransactionWrites implements BeforeCompletionCallback, AfterCompletionCallback {

	private record Key(EntityRegion region, Object id) {
	}

	/** Up to this many writes are found by walking their list; beyond it, through {@link #index}. */
	private static final int LINEAR_LOOKUPS = 8;

	private final WriteBehindRuntime runtime;
	private final WriteCaptureListener owner;
	/**
	 * The writes, one per id, in the order the ids were first written, linked through {@link CapturedWrite#next} (a
	 * transaction of one write allocates no collection). This field and the ones below: owned by the thread that runs
	 * the session (and completes its transaction).
	 */
	private CapturedWrite head;
	private CapturedWrite tail;
	private int size;
	/** The writes by region and id once there are more than {@link #LINEAR_LOOKUPS}; {@code null} until then. */
	private HashMap<Key, CapturedWrite> index;
	/** Room taken in the queue for this transaction, given back or used at completion. */
	private int permits;
	/** The writes passed the checks before completion: they are published if the transaction commits. */
	private boolean prepared;

	TransactionWrites(WriteBehindRuntime runtime, WriteCaptureListener owner) {
		this.runtime = runtime;
		this.owner = owner;
	}

	/** The write of the id captured so far, or {@code null}. */
	private CapturedWrite find(EntityRegion region, Object id) {
		if ( index != null ) {
			return index.get( new Key( region, id ) );
		}
		for ( CapturedWrite write = head; write != null; write = write.next ) {
			if ( write.isOf( region, id ) ) {
				return write;
			}
		}
		return null;
	}

	/** The write of the id, created (with what the transaction read of the row) if it is the id's first. */
	private CapturedWrite writeOf(EntityRegion region, Object id, boolean baseExists, Object baseVersion) {
		CapturedWrite write = find( region, id );
		if ( write != null ) {
			return write;
		}
		write = new CapturedWrite( region, id, baseExists, baseVersion );
		if ( tail == null ) {
			head = write;
		}
		else {
			tail.next = write;
		}
		tail = write;
		size++;
		if ( index != null ) {
			index.put( new Key( region, id ), write );
		}
		else if ( size > LINEAR_LOOKUPS ) {
			index = new HashMap<>();
			for ( CapturedWrite w = head; w != null; w = w.next ) {
				index.put( new Key( w.region, w.id ), w );
			}
		}
		return write;
	}

	void insert(EntityRegion region, Object id, EntitySnapshot state, EntityPersister persister, Object entity) {
		CapturedWrite write = writeOf( region, id, false, null );
		write.latest = state;
		if ( !write.baseExists ) {
			write.persister = persister;
			write.entity = entity;
		}
	}

	/**
	 * Hibernate has inserted an entity with a database-generated id in this transaction (see {@link IdentityInserts}):
	 * a write its own transaction has written, published at commit as the id's clean state; later changes of this
	 * transaction are captured on top of it.
	 */
	void insertedInTransaction(EntityRegion region, Object id, EntitySnapshot state) {
		CapturedWrite write = writeOf( region, id, false, null );
		write.latest = state;
		write.writtenInTransaction = state;
		write.insertedAtCommit = true;
	}

	/**
	 * Inserts a new opted-in entity of this transaction right now, in this transaction, because an entity that is not
	 * opted in references it and is about to be written (its foreign key must hold). Returns false when the id is not a
	 * new entity of this transaction.
	 */
	boolean writeNowIfNew(EntityRegion region, Object id, SharedSessionContractImplementor session) {
		CapturedWrite write = find( region, id );
		if ( write == null || write.baseExists || write.latest.isDeleted() || write.entity == null
				|| write.writtenInTransaction != null ) {
			return false;
		}
		var entry = session.getPersistenceContextInternal().getEntry( write.entity );
		Object[] state = entry.getLoadedState();
		write.persister.getInsertCoordinator().insert( write.entity, id, state, session );
		write.writtenInTransaction = write.latest;
		write.entity = null;
		return true;
	}

	/** Whether this transaction captured writes of these regions that its own transaction has not written. */
	boolean hasUnwritten(Set<EntityRegion> regions) {
		for ( CapturedWrite write = head; write != null; write = write.next ) {
			if ( write.unwritten() && regions.contains( write.region ) ) {
				return true;
			}
		}
		return false;
	}

	/** Whether this transaction wrote rows itself (it holds their locks in the database until it ends). */
	boolean holdsRows() {
		for ( CapturedWrite write = head; write != null; write = write.next ) {
			if ( write.writtenInTransaction != null ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * A query or bulk statement on the tables of {@code regions} is about to run in this transaction, after Hibernate's
	 * own auto-flush captured the session's changes. If the transaction has writes there that the database lacks, ALL
	 * its captured writes the database lacks are written now, in the application's transaction, through the session's
	 * own JDBC connection and batch, as plain Hibernate flushes the whole session before such a query (so foreign keys
	 * across the entities hold): inserts and updates in foreign-key order, then deletes in reverse, each update and
	 * delete checked against the version the row has (as Hibernate's would). Before that the ids are reserved until
	 * this transaction completes (another transaction's commit to one of them fails, as its write would wait for the
	 * rows this transaction now locks), and earlier transactions' pending writes of their entities are flushed, so
	 * writes of one id reach the database in commit order. At commit these states are published as already written
	 * (nothing queued for them); a rollback undoes them in the database and leaves no trace in cache or queue.
	 */
	void writeForQuery(Set<EntityRegion> regions, SharedSessionContractImplementor session) {
		if ( !hasUnwritten( regions ) ) {
			return;
		}
		List<CapturedWrite> toWrite = new ArrayList<>();
		Set<EntityRegion> toFlush = new LinkedHashSet<>();
		int last = -1;
		for ( CapturedWrite write = head; write != null; write = write.next ) {
			if ( !write.unwritten() ) {
				continue;
			}
			if ( write.region.reservations().reserve( write.id, this ) != null ) {
				throw new StaleObjectStateException( write.latest.entityName(), write.id,
						"another transaction is committing the same id, or has written it for a query and not ended" );
			}
			write.reserved = true;
			toWrite.add( write );
			last = Math.max( last, write.region.index() );
		}
		// rows they reference may be pending inserts of entities before them in foreign-key order
		for ( EntityRegion region : runtime.regions() ) {
			if ( region.index() <= last && region.pendingCount() > 0 ) {
				toFlush.add( region );
			}
		}
		QueryConsistencyListener.flush( runtime, toFlush, this::holdsRows );
		toWrite.sort( Comparator.comparingInt( write -> write.region.index() ) );
		EntityWriter writer = new EntityWriter( session.getFactory() );
		for ( CapturedWrite write : toWrite ) {
			if ( !write.latest.isDeleted() ) {
				writer.write( write.dbExists() ? Operation.UPDATE
						: Operation.INSERT, write.latest, write.id, write.dbVersion(), session );
			}
		}
		for ( int i = toWrite.size() - 1; i >= 0; i-- ) {
			CapturedWrite write = toWrite.get( i );
			if ( write.latest.isDeleted() && write.dbExists() ) {
				writer.write( Operation.DELETE, write.latest, write.id, write.dbVersion(), session );
			}
		}
		session.getJdbcCoordinator().executeBatch();
		for ( CapturedWrite write : toWrite ) {
			if ( !write.latest.isDeleted() || write.dbExists() ) {
				runtime.statistics().written( write.latest.isDeleted() ? Operation.DELETE
						: write.dbExists() ? Operation.UPDATE : Operation.INSERT, write.latest.entityName() );
			}
			write.writtenInTransaction = write.latest;
			write.entity = null;
		}
	}

	void update(EntityRegion region, Object id, EntitySnapshot state, Object baseVersion, EntityPersister persister) {
		CapturedWrite write = writeOf( region, id, true, baseVersion );
		write.latest = state;
		write.persister = persister;
	}

	void delete(EntityRegion region, Object id, EntitySnapshot deleted, Object baseVersion, EntityPersister persister) {
		CapturedWrite write = writeOf( region, id, true, baseVersion );
		write.latest = deleted;
		write.persister = persister;
	}

	/** The state this transaction wrote for an id (not committed yet), or {@code null}. */
	EntitySnapshot latest(EntityRegion region, Object id) {
		CapturedWrite write = find( region, id );
		return write == null ? null : write.latest;
	}

	@Override
	public void doBeforeTransactionCompletion(SharedSessionContractImplementor session) {
		try {
			for ( CapturedWrite write = head; write != null; write = write.next ) {
				// versioned writes and inserts hold their id until published, so that two transactions based on the
				// same version (or inserting the same id) cannot both pass the check; unversioned updates: last wins
				if ( write.region.versioned() || !write.baseExists || write.writtenInTransaction != null ) {
					if ( write.region.reservations().reserve( write.id, this ) != null ) {
						throw new StaleObjectStateException( write.latest.entityName(), write.id,
								"another transaction is committing a write to the same id" );
					}
					write.reserved = true;
				}
				else if ( write.region.reservations().reservedByOther( write.id, this ) ) {
					// another transaction holds the id: it is committing it, or wrote it for a query (its row is
					// locked in the database until that transaction ends)
					throw new StaleObjectStateException( write.latest.entityName(), write.id,
							"another transaction is committing or has written a write to the same id" );
				}
				CommitCheck.check( write, session );
			}
			reserveCapacity();
			List<CommitParticipant> participants = runtime.commitParticipants();
			if ( !participants.isEmpty() ) {
				List<CommitWrite> committing = commitWrites( toPublish() );
				for ( CommitParticipant participant : participants ) {
					participant.beforeCompletion( committing, session );
				}
			}
			prepared = true;
		}
		catch (RuntimeException e) {
			releaseAll();
			throw e;
		}
	}

	/** The writes the commit participants are told of: all but those created and removed by this transaction. */
	private List<CapturedWrite> toPublish() {
		List<CapturedWrite> result = new ArrayList<>( size );
		for ( CapturedWrite write = head; write != null; write = write.next ) {
			if ( !write.nothingHappened() ) {
				result.add( write );
			}
		}
		return result;
	}

	private static List<CommitWrite> commitWrites(List<CapturedWrite> writes) {
		List<CommitWrite> result = new ArrayList<>( writes.size() );
		for ( CapturedWrite write : writes ) {
			result.add( new CommitWrite( write.region, write.id, write.latest, write.baseExists, write.baseVersion,
					new RowState( write.dbExists(), write.dbVersion() ), write.writtenInTransaction != null,
					write.latest == write.writtenInTransaction, write.insertedAtCommit ) );
		}
		return result;
	}

	private void reserveCapacity() {
		// an id that already has a pending write takes no new room (its commits coalesce)
		int needed = 0;
		for ( CapturedWrite write = head; write != null; write = write.next ) {
			if ( write.latest != write.writtenInTransaction && !write.region.isPending( write.id ) ) {
				needed++;
			}
		}
		if ( needed == 0 ) {
			return;
		}
		boolean ok;
		try {
			ok = runtime.queue().reserve( needed, runtime.config().queueFullTimeoutMs );
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			ok = false;
		}
		if ( !ok ) {
			Set<EntityRegion> regions = new LinkedHashSet<>();
			for ( CapturedWrite write = head; write != null; write = write.next ) {
				regions.add( write.region );
			}
			runtime.queueFull( regions );
			throw new WriteBehindQueueFullException( runtime.logPrefix() + "The write-behind queue is full ("
					+ WriteBehindSettings.QUEUE_CAPACITY + "=" + runtime.queue().capacity() + " pending writes) and no "
					+ "room was freed within " + WriteBehindSettings.QUEUE_FULL_TIMEOUT_MS + "="
					+ runtime.config().queueFullTimeoutMs + " ms; this transaction was not accepted. The database may "
					+ "be down or slower than the writers: raise the capacity, or slow the writers down." );
		}
		permits = needed;
	}

	@Override
	public void doAfterTransactionCompletion(boolean success, SharedSessionContractImplementor session) {
		owner.completed( session, this );
		try {
			if ( success && prepared ) {
				List<CommitParticipant> participants = runtime.commitParticipants();
				// JPA's CacheStoreMode (Hibernate's CacheMode) of the session as it commits: with BYPASS the committed
				// states are not kept in the read cache once written (while pending, reads find them all the same)
				boolean cache = session.getCacheMode().isPutEnabled();
				int created = participants.isEmpty() ? publishAlone( cache )
						: publishWithParticipants( participants, session, cache );
				if ( created > permits ) {
					// ids whose pending write was flushed between the check and now: accepted writes are never dropped,
					// so the queue holds a few more than its capacity until the flusher catches up
					runtime.queue().overdraw( created - permits );
					permits = 0;
				}
				else {
					permits -= created;
				}
			}
		}
		finally {
			releaseAll();
		}
	}

	/** Publishes the writes when no feature takes part in commits: no lists, no attachments. */
	private int publishAlone(boolean cache) {
		int created = 0;
		for ( CapturedWrite write = head; write != null; write = write.next ) {
			if ( !write.nothingHappened() && publish( write, null, cache ) ) {
				created++;
			}
		}
		return created;
	}

	private int publishWithParticipants(List<CommitParticipant> participants, SharedSessionContractImplementor session,
			boolean cache) {
		List<CapturedWrite> toPublish = toPublish();
		List<CommitWrite> committed = commitWrites( toPublish );
		// the participants first (the journal): the application's commit() has not returned yet
		Object[][] attached = new Object[participants.size()][];
		Object[] attachments = null;
		for ( int i = 0; i < attached.length; i++ ) {
			attached[i] = participants.get( i ).committed( committed, session );
			if ( attached[i] != null ) {
				attachments = attached[i];
			}
		}
		int created = 0;
		for ( int i = 0; i < toPublish.size(); i++ ) {
			if ( publish( toPublish.get( i ), attachments == null ? null : attachments[i], cache ) ) {
				created++;
			}
		}
		for ( int i = 0; i < attached.length; i++ ) {
			participants.get( i ).published( committed, attached[i] );
		}
		return created;
	}

	/**
	 * Publishes one committed write; returns whether it created a pending write (taking a unit of the queue).
	 * {@code cache}: whether the session stores into the read cache.
	 */
	private static boolean publish(CapturedWrite write, Object attachment, boolean cache) {
		if ( write.latest == write.writtenInTransaction ) {
			write.region.publishWritten( write.id, write.latest, attachment, cache );
			return false;
		}
		if ( write.writtenInTransaction != null ) {
			// changed again after its own transaction wrote it: written behind, based on that row
			write.region.publishWritten( write.id, write.writtenInTransaction, null, cache );
		}
		return write.region.publish( write.id, write.latest, write.dbExists(), write.dbVersion(), attachment, cache );
	}

	private void releaseAll() {
		for ( CapturedWrite write = head; write != null; write = write.next ) {
			if ( write.reserved ) {
				write.region.reservations().release( write.id, this );
				write.reserved = false;
			}
		}
		runtime.queue().release( permits );
		permits = 0;
	}

	@Override
	public String toString() {
		List<String> ids = new ArrayList<>( size );
		for ( CapturedWrite write = head; write != null; write = write.next ) {
			ids.add( write.region.entityName() + "#" + write.id );
		}
		return "TransactionWrites" + ids;
	}
}
