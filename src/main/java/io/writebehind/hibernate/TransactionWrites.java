package io.writebehind.hibernate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.hibernate.StaleObjectStateException;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.engine.spi.TransactionCompletionCallbacks.AfterCompletionCallback;
import org.hibernate.engine.spi.TransactionCompletionCallbacks.BeforeCompletionCallback;
import org.hibernate.persister.entity.EntityPersister;

import io.writebehind.WriteBehindQueueFullException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.HibernateFailures;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.queue.EntityRegion;

/**
 * The opted-in writes of one application transaction, coalesced per id, owned by the thread that runs the session.
 * Before completion it checks them against the latest committed state (the optimistic version check the database
 * would have done), reserves their ids and room in the queue; after a successful completion it publishes them to the
 * write queue, after a rollback it leaves no trace.
 */
final class TransactionWrites implements BeforeCompletionCallback, AfterCompletionCallback {

	private static final class Write {
		final EntityRegion region;
		final Object id;
		/** Whether the row existed before this transaction, and the version the transaction read. */
		boolean baseExists;
		Object baseVersion;
		EntitySnapshot latest;
		/** For a new entity: what is needed to insert it in this transaction after all. */
		Object entity;
		EntityPersister persister;
		/**
		 * The state this transaction itself wrote to the database, in its own transaction, if it had to (for a foreign
		 * key, see {@link #writeNowIfNew}, or before a query, see {@link #writeForQuery}); {@code baseExists} and
		 * {@code baseVersion} stay what the transaction read, for the check at commit.
		 */
		EntitySnapshot writtenInTransaction;
		/** The position of this write in the transaction's journal record (-1: not in it). */
		int journalIndex = -1;
		/** Inserted by Hibernate itself in this transaction (a database-generated id): the INSERT is not journaled. */
		boolean insertedAtCommit;

		Write(EntityRegion region, Object id, boolean baseExists, Object baseVersion) {
			this.region = region;
			this.id = id;
			this.baseExists = baseExists;
			this.baseVersion = baseVersion;
		}
	}

	private record Key(EntityRegion region, Object id) {
	}

	private final WriteBehindRuntime runtime;
	private final WriteCaptureListener owner;
	private final Map<Key, Write> writes = new LinkedHashMap<>();
	private final List<Write> reserved = new ArrayList<>();
	private int permits;
	private boolean prepared;

	TransactionWrites(WriteBehindRuntime runtime, WriteCaptureListener owner) {
		this.runtime = runtime;
		this.owner = owner;
	}

	void insert(EntityRegion region, Object id, EntitySnapshot state, EntityPersister persister, Object entity) {
		Write write = writes.computeIfAbsent( new Key( region, id ), k -> new Write( region, id, false, null ) );
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
		Write write = writes.computeIfAbsent( new Key( region, id ), k -> new Write( region, id, false, null ) );
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
		Write write = writes.get( new Key( region, id ) );
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
	boolean hasUnwritten(java.util.Set<EntityRegion> regions) {
		for ( Write write : writes.values() ) {
			if ( unwritten( write ) && regions.contains( write.region ) ) {
				return true;
			}
		}
		return false;
	}

	/** Whether this transaction wrote rows itself (it holds their locks in the database until it ends). */
	boolean holdsRows() {
		for ( Write write : writes.values() ) {
			if ( write.writtenInTransaction != null ) {
				return true;
			}
		}
		return false;
	}

	/** Whether the database lacks the latest state of the write, as this transaction sees the database. */
	private static boolean unwritten(Write write) {
		if ( write.latest == write.writtenInTransaction ) {
			return false;
		}
		// created and removed by this transaction, never written: nothing to write
		return write.writtenInTransaction != null || write.baseExists || !write.latest.isDeleted();
	}

	/** Whether the row exists in the database as this transaction sees it, and its version there. */
	private static boolean dbExists(Write write) {
		return write.writtenInTransaction != null ? !write.writtenInTransaction.isDeleted() : write.baseExists;
	}

	private static Object dbVersion(Write write) {
		return write.writtenInTransaction != null ? write.writtenInTransaction.version() : write.baseVersion;
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
	void writeForQuery(java.util.Set<EntityRegion> regions, SharedSessionContractImplementor session) {
		if ( !hasUnwritten( regions ) ) {
			return;
		}
		List<Write> toWrite = new ArrayList<>();
		java.util.Set<EntityRegion> toFlush = new java.util.LinkedHashSet<>();
		int last = -1;
		for ( Write write : writes.values() ) {
			if ( !unwritten( write ) ) {
				continue;
			}
			if ( write.region.reserve( write.id, this ) != null ) {
				throw new StaleObjectStateException( write.latest.entityName(), write.id,
						"another transaction is committing the same id, or has written it for a query and not ended" );
			}
			reserved.add( write );
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
		toWrite.sort( java.util.Comparator.comparingInt( write -> write.region.index() ) );
		io.writebehind.internal.flush.EntityWriter writer = new io.writebehind.internal.flush.EntityWriter( session.getFactory() );
		for ( Write write : toWrite ) {
			if ( !write.latest.isDeleted() ) {
				writer.write( dbExists( write ) ? io.writebehind.FailedWrite.Operation.UPDATE
						: io.writebehind.FailedWrite.Operation.INSERT, write.latest, write.id, dbVersion( write ), session );
			}
		}
		for ( int i = toWrite.size() - 1; i >= 0; i-- ) {
			Write write = toWrite.get( i );
			if ( write.latest.isDeleted() && dbExists( write ) ) {
				writer.write( io.writebehind.FailedWrite.Operation.DELETE, write.latest, write.id, dbVersion( write ),
						session );
			}
		}
		session.getJdbcCoordinator().executeBatch();
		for ( Write write : toWrite ) {
			write.writtenInTransaction = write.latest;
			write.entity = null;
		}
	}

	void update(EntityRegion region, Object id, EntitySnapshot state, Object baseVersion, EntityPersister persister) {
		Write write = writes.computeIfAbsent( new Key( region, id ), k -> new Write( region, id, true, baseVersion ) );
		write.latest = state;
		write.persister = persister;
	}

	void delete(EntityRegion region, Object id, EntitySnapshot deleted, Object baseVersion, EntityPersister persister) {
		Write write = writes.computeIfAbsent( new Key( region, id ), k -> new Write( region, id, true, baseVersion ) );
		write.latest = deleted;
		write.persister = persister;
	}

	/** The state this transaction wrote for an id (not committed yet), or {@code null}. */
	EntitySnapshot latest(EntityRegion region, Object id) {
		Write write = writes.get( new Key( region, id ) );
		return write == null ? null : write.latest;
	}

	@Override
	public void doBeforeTransactionCompletion(SharedSessionContractImplementor session) {
		try {
			for ( Write write : writes.values() ) {
				// versioned writes and inserts hold their id until published, so that two transactions based on the
				// same version (or inserting the same id) cannot both pass the check; unversioned updates: last wins
				if ( write.region.versioned() || !write.baseExists || write.writtenInTransaction != null ) {
					if ( write.region.reserve( write.id, this ) != null ) {
						throw new StaleObjectStateException( write.latest.entityName(), write.id,
								"another transaction is committing a write to the same id" );
					}
					reserved.add( write );
				}
				else if ( write.region.reservedByOther( write.id, this ) ) {
					// another transaction holds the id: it is committing it, or wrote it for a query (its row is
					// locked in the database until that transaction ends)
					throw new StaleObjectStateException( write.latest.entityName(), write.id,
							"another transaction is committing or has written a write to the same id" );
				}
				check( write, session );
			}
			reserveCapacity();
			claimInLedger( session );
			prepared = true;
		}
		catch (RuntimeException e) {
			releaseAll();
			throw e;
		}
	}

	private void check(Write write, SharedSessionContractImplementor session) {
		if ( write.baseExists && write.region.remotelyNewer( write.id, write.baseVersion ) ) {
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

	/**
	 * The version the database holds now, read in a short transaction of its own: the application's transaction may
	 * read from an older snapshot (REPEATABLE READ, the MySQL/MariaDB default), and the state it read may come from
	 * write-behind's cache, newer than that snapshot. Under JTA the application's transaction is suspended meanwhile
	 * (Hibernate's isolation delegate): otherwise the short transaction would join it, and its rollback would mark the
	 * application's transaction rollback-only.
	 */
	private static Object currentVersion(Write write, SharedSessionContractImplementor session) {
		return session.getTransactionCoordinator().createIsolationDelegate().delegateCallable( () -> {
			try ( org.hibernate.StatelessSession own = session.getFactory().openStatelessSession() ) {
				org.hibernate.Transaction tx = own.beginTransaction();
				try {
					return write.persister.getCurrentVersion( write.id, (SharedSessionContractImplementor) own );
				}
				finally {
					tx.rollback();
				}
			}
		}, false );
	}

	/**
	 * With several nodes and {@code cluster.version_check=commit}: claims the versioned writes' new versions in the
	 * version ledger, in this transaction (fails when another node committed a newer version first).
	 */
	private void claimInLedger(SharedSessionContractImplementor session) {
		var coherence = runtime.coherence();
		if ( coherence == null ) {
			return;
		}
		List<io.writebehind.cluster.internal.VersionLedger.Claim> claims = null;
		for ( Write write : writes.values() ) {
			if ( nothingHappened( write ) || !coherence.ledgered( write.region ) ) {
				continue; // created and removed by this transaction, or not in the ledger
			}
			boolean inserted = !write.baseExists;
			if ( claims == null ) {
				claims = new ArrayList<>( writes.size() );
			}
			claims.add( coherence.claimOf( write.region, write.id, inserted ? null : write.baseVersion, write.latest ) );
		}
		if ( claims != null ) {
			coherence.claim( session, claims );
		}
	}

	private void reserveCapacity() {
		// an id that already has a pending write takes no new room (its commits coalesce)
		int needed = 0;
		for ( Write write : writes.values() ) {
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
			java.util.Set<EntityRegion> regions = new java.util.LinkedHashSet<>();
			for ( Write write : writes.values() ) {
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
				// the journal first: the application's commit() has not returned yet
				long journalSeq = appendToJournal( session );
				int created = 0;
				for ( Write write : writes.values() ) {
					if ( nothingHappened( write ) ) {
						continue; // created and removed by this transaction: nothing happened
					}
					long seq = write.journalIndex >= 0 ? journalSeq : 0;
					if ( write.latest == write.writtenInTransaction ) {
						write.region.publishWritten( write.id, write.latest, seq, write.journalIndex );
					}
					else {
						if ( write.writtenInTransaction != null ) {
							// changed again after its own transaction wrote it: written behind, based on that row
							write.region.publishWritten( write.id, write.writtenInTransaction, 0, -1 );
						}
						if ( write.region.publish( write.id, write.latest, dbExists( write ), dbVersion( write ), seq,
								write.journalIndex ) ) {
							created++;
						}
					}
					runtime.announce( write.region, write.id, write.latest );
				}
				journaled( journalSeq );
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

	/**
	 * Appends the writes to the journal (when it is on) and, with {@code journal.fsync=ALWAYS}, waits until they are on
	 * disk; returns the record's sequence, 0 when nothing was journaled.
	 */
	private long appendToJournal(SharedSessionContractImplementor session) {
		io.writebehind.internal.journal.JournalSupport journal = runtime.journal();
		if ( journal == null ) {
			return 0;
		}
		List<io.writebehind.internal.journal.StateCodec.JournalWrite> entries = new ArrayList<>();
		List<Integer> alreadyWritten = null;
		for ( Write write : writes.values() ) {
			if ( nothingHappened( write ) || write.insertedAtCommit && write.latest == write.writtenInTransaction ) {
				continue; // nothing happened, or an INSERT that committed with the application's transaction
			}
			write.journalIndex = entries.size();
			// a state its own transaction wrote: the chain of this node's writes of the id starts at that row
			var low = write.writtenInTransaction != null
					? new io.writebehind.internal.queue.PendingWrite.JournalBase( dbExists( write ), dbVersion( write ), null )
					: write.region.journalLow( write.id, write.baseExists, write.baseVersion );
			entries.add( io.writebehind.internal.journal.JournalSupport.write( write.latest.entityName(), write.id,
					write.latest, low.lowExists(), low.lowVersion(), write.latest.isDeleted() ? dbVersion( write ) : null ) );
			if ( write.latest == write.writtenInTransaction ) {
				if ( alreadyWritten == null ) {
					alreadyWritten = new ArrayList<>();
				}
				alreadyWritten.add( write.journalIndex );
			}
		}
		if ( entries.isEmpty() ) {
			return 0;
		}
		try {
			long seq = journal.append( entries, session );
			if ( alreadyWritten != null ) {
				// committed with the application's transaction: a restart need not replay them (the record still
				// supersedes older records of these ids)
				journal.written( seq, alreadyWritten );
			}
			return seq;
		}
		catch (RuntimeException e) {
			org.jboss.logging.Logger.getLogger( TransactionWrites.class ).errorf( e, "%sThe writes of a committed "
					+ "transaction could NOT be appended to the journal (%s): they are queued, but a crash before they "
					+ "reach the database loses them", runtime.logPrefix(), this );
			return 0;
		}
	}

	/** Created and removed by this transaction, and never written to the database: nothing happened. */
	private static boolean nothingHappened(Write write) {
		return !write.baseExists && write.latest.isDeleted() && write.writtenInTransaction == null;
	}

	/** The writes are published (with their place in the journal): its checkpoint may pass their record once written. */
	private void journaled(long journalSeq) {
		if ( journalSeq != 0 ) {
			runtime.journal().published( journalSeq );
		}
	}

	private void releaseAll() {
		for ( Write write : reserved ) {
			write.region.release( write.id, this );
		}
		reserved.clear();
		runtime.queue().release( permits );
		permits = 0;
	}

	@Override
	public String toString() {
		return "TransactionWrites" + writes.keySet().stream().map( k -> k.region().entityName() + "#" + k.id() )
				.map( Objects::toString ).toList();
	}
}
