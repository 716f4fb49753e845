package io.writebehind.internal.flush;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import org.hibernate.StatelessSession;
import org.hibernate.Transaction;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

import io.writebehind.ConflictPolicy;
import io.writebehind.ConflictResolver;
import io.writebehind.FailedWrite;
import io.writebehind.FailedWrite.Operation;
import io.writebehind.FailedWrite.Reason;
import io.writebehind.internal.FailedWriteValue;
import io.writebehind.internal.WriteBehindLogger;
import io.writebehind.internal.WriteConflictValue;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.cache.EntityState;
import io.writebehind.internal.config.WriteBehindConfig;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.FlushItem;
import io.writebehind.internal.queue.Partition;
import io.writebehind.internal.queue.QueueNode;
import io.writebehind.internal.queue.WriteQueue;

/**
 * The flusher threads of one persistence unit, one per partition. Each thread owns its partition's writes while it
 * writes them: it takes due writes, applies them in one database transaction through a stateless session of its own
 * with JDBC batching (inserts in foreign-key order, then updates, then deletes in reverse order), and marks them
 * written.
 * <ul>
 * <li>A transient failure (connection, deadlock, timeout) keeps the writes queued; they are retried whole after an
 * exponential backoff with jitter, logged once per outage. When the failure came from the commit itself, the writes
 * may have reached the database: they are marked uncertain, and a later "conflict" or duplicate key of such a write is
 * first checked against the row (if the row holds our write, it applied).</li>
 * <li>Any other failure rolls the whole transaction back and splits the batch in halves, each in its own transaction,
 * down to the single bad write; every good write lands once. The bad write is a conflict (a versioned statement
 * matched no row: handled by the entity's conflict policy) or a permanent failure (to failure handling).</li>
 * </ul>
 */
public final class Flusher {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( Flusher.class );

	private final SessionFactoryImplementor factory;
	private final WriteBehindConfig config;
	private final WriteQueue queue;
	private final FlushCounters counters;
	private final FailureHandling failures;
	private final FlushListeners listeners;
	private final String logPrefix;
	private final EntityWriter writer;
	private final List<Thread> threads = new ArrayList<>();
	private volatile Boolean rowCountsReliable;
	/** The journal (when on): told which journaled writes reached the database. */
	private volatile io.writebehind.internal.journal.JournalSupport journal;
	/** Items re-based in the current cycle of this flusher thread, to requeue at their old place. */
	private final ThreadLocal<List<FlushItem>> rebased = ThreadLocal.withInitial( ArrayList::new );

	private final ForeignKeyGuard foreignKeys;

	/** How often a write that fails on a foreign key is tried again before it goes to failure handling. */
	private static final int FOREIGN_KEY_ATTEMPTS = 20;

	/** Set before {@link #start} when the journal is on. */
	public void journal(io.writebehind.internal.journal.JournalSupport journal) {
		this.journal = journal;
	}

	public Flusher(SessionFactoryImplementor factory, WriteBehindConfig config, WriteQueue queue,
			FlushCounters counters, FailureHandling failures, FlushListeners listeners, String logPrefix,
			String threadName, java.util.function.Function<String, EntityRegion> regions) {
		this.listeners = listeners;
		this.foreignKeys = new ForeignKeyGuard( factory, regions );
		this.factory = factory;
		this.config = config;
		this.queue = queue;
		this.counters = counters;
		this.failures = failures;
		this.logPrefix = logPrefix;
		this.writer = new EntityWriter( factory );
		for ( Partition partition : queue.partitions() ) {
			Thread thread = new Thread( new Worker( partition ), threadName + "-" + partition.index() );
			thread.setDaemon( true );
			threads.add( thread );
		}
	}

	public void start() {
		threads.forEach( Thread::start );
	}

	/** Stops the threads after their current cycle; pending writes stay where they are. */
	public void stop(long joinMillis) {
		for ( Partition partition : queue.partitions() ) {
			partition.stop();
		}
		for ( Thread thread : threads ) {
			try {
				thread.join( joinMillis );
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	/** A failure of the flush transaction's commit: whether it took effect is unknown. */
	private static final class CommitOutcomeUnknown extends RuntimeException {
		CommitOutcomeUnknown(RuntimeException cause) {
			super( cause );
		}
	}

	/** Stops a bisection: the database became unavailable while the bad write was being looked for. */
	private static final class TransientFailure extends RuntimeException {
		final boolean uncertain;

		TransientFailure(RuntimeException cause) {
			super( cause );
			this.uncertain = cause instanceof CommitOutcomeUnknown;
		}
	}

	private final class Worker implements Runnable {
		private final Partition partition;
		private final List<FlushItem> deferredForForeignKey = new ArrayList<>();
		private int failedAttempts;
		private long outageStartNanos;

		Worker(Partition partition) {
			this.partition = partition;
		}

		@Override
		public void run() {
			while ( true ) {
				List<QueueNode> nodes;
				try {
					nodes = partition.awaitDue( config.batchSize );
				}
				catch (InterruptedException e) {
					continue;
				}
				if ( nodes == null ) {
					return;
				}
				try {
					cycle( nodes );
				}
				catch (Throwable t) {
					LOG.unexpectedFlusherError( logPrefix, t );
				}
				finally {
					partition.cycleDone();
				}
			}
		}

		private void cycle(List<QueueNode> nodes) {
			List<FlushItem> items = new ArrayList<>( nodes.size() );
			Map<FlushItem, QueueNode> nodeOf = new IdentityHashMap<>();
			for ( QueueNode node : nodes ) {
				FlushItem item = node.beginWrite();
				if ( item == null ) {
					continue;
				}
				if ( item.needsRebase && item.journalBase != null ) {
					replayJournal( item, nodeOf, node );
					continue;
				}
				if ( item.needsRebase ) {
					replay( item, nodeOf, node );
					continue;
				}
				items.add( item );
				nodeOf.put( item, node );
			}
			try {
				write( items, nodeOf );
			}
			finally {
				requeueRebased( nodeOf );
				if ( !deferredForForeignKey.isEmpty() ) {
					int attempts = deferredForForeignKey.get( 0 ).region().attempts( deferredForForeignKey.get( 0 ) );
					defer( deferredForForeignKey, nodeOf, Math.min( 500, 10L * attempts ) );
					deferredForForeignKey.clear();
				}
			}
		}

		/** Writes that were re-based on the database's row go back to the front of the queue, with their old tickets. */
		private void requeueRebased(Map<FlushItem, QueueNode> nodeOf) {
			List<FlushItem> items = rebased.get();
			if ( items.isEmpty() ) {
				return;
			}
			List<QueueNode> nodes = new ArrayList<>( items.size() );
			for ( FlushItem item : items ) {
				nodes.add( nodeOf.get( item ) );
			}
			items.clear();
			partition.requeueFront( nodes, 0 );
		}

		private void write(List<FlushItem> all, Map<FlushItem, QueueNode> nodeOf) {
			if ( all.isEmpty() ) {
				return;
			}
			List<FlushItem> held = new ArrayList<>();
			List<FlushItem> items = foreignKeys.ready( all, held );
			if ( !held.isEmpty() ) {
				defer( held, nodeOf, 5 );
			}
			if ( items.isEmpty() ) {
				return;
			}
			items.sort( STATEMENT_ORDER );
			Set<FlushItem> settled = Collections.newSetFromMap( new IdentityHashMap<>() );
			try {
				// after a commit whose outcome was unknown: what did reach the database is not written again
				List<FlushItem> toWrite = items;
				if ( items.stream().anyMatch( item -> item.uncertain ) ) {
					toWrite = new ArrayList<>( items.size() );
					for ( FlushItem item : items ) {
						if ( item.uncertain && alreadyApplied( item ) ) {
							written( List.of( item ), settled, -1 );
						}
						else {
							toWrite.add( item );
						}
					}
				}
				try {
					long nanos = writeInOneTransaction( toWrite, config.jdbcBatchSize );
					written( toWrite, settled, nanos );
				}
				catch (RuntimeException e) {
					if ( FlushErrors.isTransient( e ) ) {
						throw new TransientFailure( e );
					}
					bisect( toWrite, settled );
				}
				outageOver();
			}
			catch (TransientFailure e) {
				List<FlushItem> unsettled = new ArrayList<>();
				for ( FlushItem item : items ) {
					if ( !settled.contains( item ) ) {
						unsettled.add( item );
					}
				}
				retryLater( unsettled, nodeOf, e );
			}
		}

		/** Splits a failed batch in halves, each in its own transaction, down to the writes that fail alone. */
		private void bisect(List<FlushItem> items, Set<FlushItem> settled) {
			if ( items.size() == 1 ) {
				FlushItem item = items.get( 0 );
				try {
					long nanos = writeInOneTransaction( items, 1 );
					written( items, settled, nanos );
				}
				catch (RuntimeException e) {
					if ( FlushErrors.isTransient( e ) ) {
						throw new TransientFailure( e );
					}
					settle( item, e );
					settled.add( item );
				}
				return;
			}
			int middle = items.size() / 2;
			for ( List<FlushItem> half : List.of( items.subList( 0, middle ), items.subList( middle, items.size() ) ) ) {
				try {
					long nanos = writeInOneTransaction( half, config.jdbcBatchSize );
					written( half, settled, nanos );
				}
				catch (RuntimeException e) {
					if ( FlushErrors.isTransient( e ) ) {
						throw new TransientFailure( e );
					}
					bisect( half, settled );
				}
			}
		}

		/** Puts writes back to wait a little, without holding back the rest of the partition. */
		private void defer(List<FlushItem> items, Map<FlushItem, QueueNode> nodeOf, long millis) {
			List<QueueNode> nodes = new ArrayList<>( items.size() );
			for ( FlushItem item : items ) {
				item.region().retryLater( item, false );
				nodes.add( nodeOf.get( item ) );
			}
			partition.defer( nodes, millis * 1_000_000L );
		}

		/** A write that fails alone: applied after all (uncertain commit), a conflict, or a permanent failure. */
		private void settle(FlushItem item, RuntimeException e) {
			if ( FlushErrors.isForeignKeyViolation( e ) && item.region().attempts( item ) < FOREIGN_KEY_ATTEMPTS ) {
				// the row it references (or that references it) may be written by another flusher thread right now
				deferredForForeignKey.add( item );
				return;
			}
			if ( item.uncertain && alreadyApplied( item ) ) {
				LOG.uncertainCommitApplied( logPrefix, item );
				written( List.of( item ), null, -1 );
				return;
			}
			if ( FlushErrors.isConflict( e ) ) {
				conflict( item, e );
			}
			else {
				fail( item, Reason.FAILED, e );
			}
		}

		/** {@code nanos}: how long the flush transaction took; -1 when no transaction wrote them (found applied). */
		private void written(List<FlushItem> items, Set<FlushItem> settled, long nanos) {
			if ( items.isEmpty() ) {
				return;
			}
			io.writebehind.internal.journal.JournalSupport current = journal;
			if ( current != null ) {
				current.written( items ); // first: the smaller the window after the commit, the fewer rows a restart reads
			}
			for ( FlushItem item : items ) {
				item.region().written( item, EntityWriter.versionAfter( item ) );
				item.region().counters().flushed.increment();
				if ( settled != null ) {
					settled.add( item );
				}
			}
			counters.flushed.add( items.size() );
			if ( nanos >= 0 ) {
				counters.batches.increment();
				counters.flushNanos.add( nanos );
				listeners.batchFlushed( items.size(), nanos );
			}
		}

		private void outageOver() {
			if ( failedAttempts > 0 ) {
				LOG.outageOver( logPrefix, failedAttempts, ( System.nanoTime() - outageStartNanos ) / 1_000_000 );
				failedAttempts = 0;
				counters.outageOver( this );
			}
		}

		private void retryLater(List<FlushItem> items, Map<FlushItem, QueueNode> nodeOf, TransientFailure failure) {
			List<QueueNode> nodes = new ArrayList<>( items.size() );
			for ( FlushItem item : items ) {
				item.region().retryLater( item, failure.uncertain );
				item.region().counters().retries.increment();
				nodes.add( nodeOf.get( item ) );
			}
			Throwable cause = failure.getCause() instanceof CommitOutcomeUnknown unknown ? unknown.getCause() : failure.getCause();
			if ( failedAttempts++ == 0 ) {
				outageStartNanos = System.nanoTime();
				counters.outageStarted( this, outageStartNanos );
				LOG.outageStarted( logPrefix, cause, queue.pending() );
			}
			else {
				LOG.flushAttemptFailed( logPrefix, failedAttempts, cause );
			}
			counters.retries.add( items.size() );
			counters.flushFailures.increment();
			long backoff = backoffNanos( failedAttempts );
			partition.requeueFront( nodes, backoff );
			listeners.retry( items.size(), failedAttempts, backoff, cause );
		}

		/** A replayed failed write: read the row, then queue the write over it (last write wins). */
		private void replay(FlushItem item, Map<FlushItem, QueueNode> nodeOf, QueueNode node) {
			nodeOf.put( item, node );
			try {
				rebaseOverCurrentRow( item, item.snapshot );
			}
			catch (RuntimeException e) {
				if ( !FlushErrors.isTransient( e ) ) {
					fail( item, Reason.FAILED, e );
					return;
				}
				retryLater( List.of( item ), nodeOf, new TransientFailure( e ) );
			}
		}

		/**
		 * A write replayed from the journal at start-up: its row is read first. The row holds our version: it applied
		 * before the crash (nothing is written twice). The row is missing or holds a version of this write's chain:
		 * written normally. Anything else (the row changed meanwhile): a conflict, for the entity's policy.
		 */
		private void replayJournal(FlushItem item, Map<FlushItem, QueueNode> nodeOf, QueueNode node) {
			nodeOf.put( item, node );
			try {
				String conflict = checkJournaled( item );
				if ( conflict != null ) {
					conflict( item, new org.hibernate.StaleObjectStateException( item.snapshot.entityName(), item.id(),
							"replayed from the journal, but " + conflict ) );
				}
				else {
					rebased.get().add( item );
				}
			}
			catch (TransientFailure e) {
				retryLater( List.of( item ), nodeOf, e );
			}
			catch (RuntimeException e) {
				if ( !FlushErrors.isTransient( e ) ) {
					fail( item, Reason.FAILED, e );
					return;
				}
				retryLater( List.of( item ), nodeOf, new TransientFailure( e ) );
			}
		}

		private long backoffNanos(int attempt) {
			long max = config.retryMaxBackoffMs;
			long backoff = config.retryInitialBackoffMs << Math.min( attempt - 1, 30 );
			if ( backoff <= 0 || backoff > max ) {
				backoff = max;
			}
			// jitter: between half and all of the backoff, so that nodes do not retry in step
			long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong( backoff / 2 + 1 );
			return jittered * 1_000_000L;
		}
	}

	// ------------------------------------------------------------------------------------------------ conflicts

	private void conflict(FlushItem item, RuntimeException cause) {
		counters.conflicts.increment();
		EntityRegion region = item.region();
		region.counters().conflicts.increment();
		if ( !listeners.isEmpty() ) {
			listeners.conflict( item.snapshot.entityName(), item.id(), item.operation );
		}
		ConflictResolver resolver = region.conflictResolver();
		ConflictPolicy policy = region.conflictPolicy();
		try {
			if ( resolver != null ) {
				resolveWith( resolver, item );
			}
			else if ( policy == ConflictPolicy.DATABASE_WINS ) {
				region.drop( item );
				LOG.conflictDatabaseWins( logPrefix, item.operation, item.snapshot.entityName(), item.id() );
			}
			else if ( policy == ConflictPolicy.LAST_WRITE_WINS ) {
				LOG.conflictLastWriteWins( logPrefix, item.operation, item.snapshot.entityName(), item.id() );
				rebaseOverCurrentRow( item, item.snapshot );
			}
			else {
				fail( item, Reason.CONFLICT, cause );
			}
		}
		catch (RuntimeException e) {
			if ( FlushErrors.isTransient( e ) ) {
				throw new TransientFailure( e );
			}
			fail( item, Reason.CONFLICT, e );
		}
	}

	private void resolveWith(ConflictResolver resolver, FlushItem item) {
		Object ours = detachedInstance( item );
		Object theirs;
		try ( StatelessSession session = factory.openStatelessSession() ) {
			theirs = session.get( item.snapshot.entityName(), item.id() );
		}
		Object decision = resolver.resolve( new WriteConflictValue( item.snapshot.entityName(), item.id(), item.operation,
				ours, theirs ) );
		if ( decision == null ) {
			item.region().drop( item );
			LOG.conflictResolvedKeepRow( logPrefix, item.operation, item.snapshot.entityName(), item.id(),
					resolver.getClass().getName() );
			return;
		}
		EntitySnapshot resolved;
		try ( StatelessSession session = factory.openStatelessSession() ) {
			EntityPersister persister = factory.getMappingMetamodel().getEntityDescriptor( decision.getClass() );
			Object[] values = persister.getValues( decision );
			Object version = persister.isVersioned() ? values[persister.getVersionPropertyIndex()] : null;
			resolved = new EntitySnapshot( EntityState.capture( values, persister, version,
					(SharedSessionContractImplementor) session, decision ) );
		}
		LOG.conflictResolvedWrite( logPrefix, item.operation, item.snapshot.entityName(), item.id(),
				resolver.getClass().getName() );
		rebaseOverCurrentRow( item, resolved );
	}

	/** Queues {@code desired} to be written over the row the database holds now, with the row's next version. */
	private void rebaseOverCurrentRow(FlushItem item, EntitySnapshot desired) {
		try ( StatelessSession session = factory.openStatelessSession() ) {
			SharedSessionContractImplementor implementor = (SharedSessionContractImplementor) session;
			EntityPersister root = factory.getMappingMetamodel().getEntityDescriptor( item.region().entityName() );
			Object row = session.get( item.region().entityName(), item.id() );
			boolean exists = row != null;
			Object dbVersion = exists && root.isVersioned() ? root.getVersion( row ) : null;
			EntitySnapshot toWrite = desired;
			Object nextVersion = null;
			int versionIndex = root.isVersioned() ? root.getVersionPropertyIndex() : -1;
			if ( root.isVersioned() ) {
				nextVersion = exists
						? root.getVersionGenerator().generate( implementor, row, dbVersion, org.hibernate.generator.EventType.UPDATE )
						: desired.isDeleted() ? null : desired.version();
				if ( exists && !desired.isDeleted() ) {
					toWrite = new EntitySnapshot( desired.entry().withVersion( nextVersion, versionIndex ) );
				}
			}
			item.region().rebase( item, toWrite, exists, dbVersion, nextVersion, versionIndex );
			rebased.get().add( item );
		}
	}

	/**
	 * Reads the row of a write replayed from the journal and tells the region what it found; returns {@code null}, or
	 * why the write conflicts with the row.
	 */
	private String checkJournaled(FlushItem item) {
		EntityRegion region = item.region();
		var base = item.journalBase;
		try ( StatelessSession session = factory.openStatelessSession() ) {
			EntityPersister root = factory.getMappingMetamodel().getEntityDescriptor( region.entityName() );
			Object row = session.get( region.entityName(), item.id() );
			boolean exists = row != null;
			Object rowVersion = exists && root.isVersioned() ? root.getVersion( row ) : null;
			if ( !region.versioned() ) {
				// last write wins: written again over whatever the row holds
				region.journalChecked( item, exists, null, false );
				return null;
			}
			if ( item.snapshot.isDeleted() ) {
				if ( !exists ) {
					region.journalChecked( item, false, null, true );
					return null;
				}
				if ( ourChain( region, rowVersion, base, base.deleteBaseVersion(), true ) ) {
					region.journalChecked( item, true, rowVersion, false );
					return null;
				}
				return "the row holds version " + rowVersion + ", which this remove did not read";
			}
			Object version = item.snapshot.version();
			if ( exists && region.sameVersion( rowVersion, version ) ) {
				region.journalChecked( item, true, rowVersion, true );
				return null;
			}
			if ( !exists ) {
				if ( !base.lowExists() ) {
					region.journalChecked( item, false, null, false );
					return null;
				}
				return "the row was deleted";
			}
			if ( ourChain( region, rowVersion, base, version, false ) ) {
				region.journalChecked( item, true, rowVersion, false );
				return null;
			}
			return "the row holds version " + rowVersion + ", not one this write was based on";
		}
	}

	/** Whether the row's version is one this node's commits went through before reaching {@code upper}. */
	private static boolean ourChain(EntityRegion region, Object rowVersion, io.writebehind.internal.queue.PendingWrite.JournalBase base,
			Object upper, boolean upperIncluded) {
		if ( base.lowExists() && base.lowVersion() != null ) {
			if ( region.sameVersion( rowVersion, base.lowVersion() ) ) {
				return true;
			}
			if ( region.compareVersions( rowVersion, base.lowVersion() ) < 0 ) {
				return false;
			}
		}
		if ( upper == null ) {
			return true;
		}
		int c = region.compareVersions( rowVersion, upper );
		return c < 0 || upperIncluded && c == 0;
	}

	/** After a commit whose outcome was unknown: whether the row already holds this write. */
	private boolean alreadyApplied(FlushItem item) {
		try ( StatelessSession session = factory.openStatelessSession() ) {
			Object row = session.get( item.region().entityName(), item.id() );
			if ( item.operation == Operation.DELETE ) {
				return row == null;
			}
			if ( row == null ) {
				return false;
			}
			EntityPersister persister = factory.getMappingMetamodel().getEntityDescriptor( item.region().entityName() );
			return !persister.isVersioned() || item.region().sameVersion( persister.getVersion( row ), item.snapshot.version() );
		}
		catch (RuntimeException e) {
			LOG.couldNotReadBack( logPrefix, item, e );
			return false;
		}
	}

	private void fail(FlushItem item, Reason reason, RuntimeException cause) {
		Object entity = detachedInstance( item );
		int attempts = item.region().attempts( item );
		EntitySnapshot dropped = item.region().drop( item );
		if ( reason == Reason.FAILED ) {
			counters.failed.increment();
			item.region().counters().failed.increment();
		}
		FailedWrite failed = new FailedWriteValue( item.snapshot.entityName(), item.id(), item.operation, reason, entity,
				attempts, reason == Reason.CONFLICT && FlushErrors.isConflict( cause ) ? null : cause, Instant.now() );
		if ( !listeners.isEmpty() ) {
			listeners.writeFailed( failed );
		}
		failures.handle( failed, item.region(), dropped == null ? item.snapshot : dropped );
	}

	private Object detachedInstance(FlushItem item) {
		try ( StatelessSession session = factory.openStatelessSession() ) {
			return writer.detachedInstance( item, (SharedSessionContractImplementor) session );
		}
		catch (RuntimeException e) {
			LOG.couldNotRebuild( logPrefix, item, e );
			return null;
		}
	}

	// ------------------------------------------------------------------------------------------------ writing

	/** Returns how long it took, in nanoseconds. */
	private long writeInOneTransaction(List<FlushItem> items, int jdbcBatchSize) {
		long start = System.nanoTime();
		try ( StatelessSession session = factory.openStatelessSession() ) {
			session.setJdbcBatchSize( jdbcBatchSize );
			Transaction tx = session.beginTransaction();
			try {
				SharedSessionContractImplementor implementor = (SharedSessionContractImplementor) session;
				autocommitOff( implementor, tx );
				boolean unbatchedChecks = jdbcBatchSize > 1 && !batchRowCountsReliable( session );
				for ( FlushItem item : items ) {
					if ( unbatchedChecks && item.operation != Operation.INSERT && item.region().versioned() ) {
						// from here on (updates, then deletes) every versioned statement runs alone, with a real count
						implementor.getJdbcCoordinator().executeBatch();
						session.setJdbcBatchSize( 1 );
						unbatchedChecks = false;
					}
					writer.write( item, implementor );
				}
			}
			catch (RuntimeException e) {
				rollbackQuietly( tx, e );
				throw e;
			}
			try {
				tx.commit();
			}
			catch (RuntimeException e) {
				rollbackQuietly( tx, e );
				// a pending batch executes at commit: its errors are not about the commit's own outcome
				boolean commitItself = FlushErrors.isTransient( e ) && !FlushErrors.isConflict( e );
				throw commitItself ? new CommitOutcomeUnknown( e ) : e;
			}
		}
		return System.nanoTime() - start;
	}

	private volatile boolean autocommitReported;

	/**
	 * With {@code provider_disables_autocommit=true} Hibernate leaves the connection's autocommit mode alone: a pool
	 * that hands out connections in autocommit mode (refused at boot, but a pool may change, or the database was down at
	 * boot) would commit every statement on its own, and a failed batch would leave its good rows behind while all its
	 * writes are reported failed. Autocommit is switched off for the flush transaction and back on when it completes
	 * (before the connection goes back to the pool).
	 */
	private void autocommitOff(SharedSessionContractImplementor session, Transaction tx) {
		java.sql.Connection connection = session.getJdbcCoordinator().getLogicalConnection().getPhysicalConnection();
		try {
			if ( !connection.getAutoCommit() ) {
				return;
			}
			connection.setAutoCommit( false );
		}
		catch (java.sql.SQLException e) {
			throw session.getJdbcServices().getSqlExceptionHelper().convert( e, "switching autocommit off for a flush" );
		}
		tx.registerSynchronization( new jakarta.transaction.Synchronization() {
			@Override
			public void beforeCompletion() {
			}

			@Override
			public void afterCompletion(int status) {
				try {
					connection.setAutoCommit( true );
				}
				catch (java.sql.SQLException | RuntimeException e) {
					LOG.flushAttemptFailed( logPrefix, 0, "could not switch autocommit back on: " + e );
				}
			}
		} );
		if ( !autocommitReported ) {
			autocommitReported = true;
			LOG.flusherConnectionInAutocommit( logPrefix,
					org.hibernate.cfg.JdbcSettings.CONNECTION_PROVIDER_DISABLES_AUTOCOMMIT );
		}
	}

	private static void rollbackQuietly(Transaction tx, RuntimeException failure) {
		try {
			if ( tx.isActive() ) {
				tx.rollback();
			}
		}
		catch (RuntimeException rollbackFailure) {
			failure.addSuppressed( rollbackFailure );
		}
	}

	/**
	 * Whether the driver reports real row counts for batched statements. With MariaDB's {@code useBulkStmts} or a
	 * {@code rewriteBatchedStatements} option, a batch reports SUCCESS_NO_INFO (-2), which Hibernate takes as success:
	 * a versioned update that matched no row would pass unnoticed. Versioned updates and deletes are then sent one by
	 * one. Decided once, from the JDBC URL, on the first flush.
	 */
	private boolean batchRowCountsReliable(StatelessSession session) {
		Boolean known = rowCountsReliable;
		if ( known == null ) {
			String url = session.doReturningWork( connection -> connection.getMetaData().getURL() );
			String lower = url == null ? "" : url.toLowerCase( Locale.ROOT );
			known = !( lower.contains( "usebulkstmts=true" ) || lower.contains( "rewritebatchedstatements=true" ) );
			if ( !known ) {
				LOG.batchRewritingUrl( logPrefix );
			}
			rowCountsReliable = known;
		}
		return known;
	}

	/** Inserts (parents first), then updates, then deletes (children first). */
	private static final Comparator<FlushItem> STATEMENT_ORDER = Comparator
			.comparingInt( (FlushItem item) -> item.operation.ordinal() )
			.thenComparingInt( item -> item.operation == Operation.DELETE ? -item.region().index() : item.region().index() );
}
