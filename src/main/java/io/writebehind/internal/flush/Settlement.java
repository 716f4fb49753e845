package io.writebehind.internal.flush;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.hibernate.StatelessSession;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.generator.EventType;
import org.hibernate.persister.entity.EntityPersister;

import io.writebehind.ConflictPolicy;
import io.writebehind.ConflictResolver;
import io.writebehind.FailedWrite;
import io.writebehind.FailedWrite.Operation;
import io.writebehind.FailedWrite.Reason;
import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.cache.EntityState;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.FlushItem;
import io.writebehind.internal.queue.RowCheck;
import io.writebehind.internal.queue.RowState;

/**
 * What happens to a write that cannot simply be written: a conflict (the entity's policy or resolver decides: drop it,
 * or re-base it over the row the database holds now), a permanent failure (to failure handling), a recovered write
 * whose row is checked first, a write whose commit outcome was unknown (read back). Used by the flusher threads; its
 * only state is the per-thread list of writes re-based in the current cycle.
 */
final class Settlement {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( Flusher.class );

	private final SessionFactoryImplementor factory;
	private final FlushCounters counters;
	private final FailureHandling failures;
	private final FlushListeners listeners;
	private final EntityWriter writer;
	private final RowProbe rows;
	private final String logPrefix;
	/** Items re-based in the current cycle of each flusher thread, to requeue at their old place. */
	private final ThreadLocal<List<FlushItem>> rebased = ThreadLocal.withInitial( ArrayList::new );

	Settlement(SessionFactoryImplementor factory, FlushCounters counters, FailureHandling failures,
			FlushListeners listeners, EntityWriter writer, String logPrefix) {
		this.factory = factory;
		this.counters = counters;
		this.failures = failures;
		this.listeners = listeners;
		this.writer = writer;
		this.rows = new RowProbe( factory );
		this.logPrefix = logPrefix;
	}

	/** The items this flusher thread re-based in its current cycle (cleared by the caller once requeued). */
	List<FlushItem> rebased() {
		return rebased.get();
	}

	/**
	 * A write a {@link FlushFence} refused: counted as a conflict and reported as a {@code CONFLICT} failed write,
	 * without the conflict policy (re-basing it would write it over a row another node owns now).
	 */
	void fenced(FlushItem item, RuntimeException cause) {
		counters.conflicts.increment();
		item.region().counters().conflicts.increment();
		if ( !listeners.isEmpty() ) {
			listeners.conflict( item.snapshot.entityName(), item.id(), item.operation );
		}
		fail( item, Reason.CONFLICT, cause );
	}

	void conflict(FlushItem item, RuntimeException cause) {
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
				item.outcomes().drop( item );
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
		Object theirs = rows.read( item.snapshot.entityName(), item.id() ).entity();
		Object decision = resolver.resolve( new WriteConflictValue( item.snapshot.entityName(), item.id(), item.operation,
				ours, theirs ) );
		if ( decision == null ) {
			item.outcomes().drop( item );
			LOG.conflictResolvedKeepRow( logPrefix, item.operation, item.snapshot.entityName(), item.id(),
					resolver.getClass().getName() );
			return;
		}
		EntitySnapshot resolved;
		try ( StatelessSession session = factory.openStatelessSession() ) {
			EntityPersister persister = factory.getMappingMetamodel().getEntityDescriptor( decision.getClass() );
			Object[] values = persister.getValues( decision );
			Object version = persister.isVersioned() ? values[persister.getVersionPropertyIndex()] : null;
			resolved = EntitySnapshot.of( EntityState.capture( values, persister, version,
					(SharedSessionContractImplementor) session, decision ) );
		}
		LOG.conflictResolvedWrite( logPrefix, item.operation, item.snapshot.entityName(), item.id(),
				resolver.getClass().getName() );
		rebaseOverCurrentRow( item, resolved );
	}

	/** Queues {@code desired} to be written over the row the database holds now, with the row's next version. */
	void rebaseOverCurrentRow(FlushItem item, EntitySnapshot desired) {
		rows.read( item.region().entityName(), item.id(), (row, root, implementor) -> {
			boolean exists = row.state().exists();
			Object dbVersion = row.state().version();
			EntitySnapshot toWrite = desired;
			Object nextVersion = null;
			int versionIndex = root.isVersioned() ? root.getVersionPropertyIndex() : -1;
			if ( root.isVersioned() ) {
				nextVersion = exists
						? root.getVersionGenerator().generate( implementor, row.entity(), dbVersion, EventType.UPDATE )
						: desired.isDeleted() ? null : desired.version();
				if ( exists && !desired.isDeleted() ) {
					toWrite = EntitySnapshot.of( desired.entry().withVersion( nextVersion, versionIndex ) );
				}
			}
			item.outcomes().rebase( item, toWrite, row.state(), nextVersion, versionIndex );
			rebased.get().add( item );
			return null;
		} );
	}

	/**
	 * Reads the row of a recovered write, asks its {@link RowCheck} and tells the region what was found; returns
	 * {@code null}, or why the write conflicts with the row.
	 */
	String checkAgainstRow(FlushItem item) {
		EntityRegion region = item.region();
		RowState row = rows.read( region, item.id() ).state();
		RowCheck.Verdict verdict = item.rowCheck.check( region, item.snapshot, row );
		if ( verdict instanceof RowCheck.Conflict conflict ) {
			return conflict.reason();
		}
		item.outcomes().rowChecked( item, row, verdict instanceof RowCheck.Applied );
		return null;
	}

	/** What the row of an uncertain write (an earlier flush commit's outcome was unknown) tells. */
	enum Uncertain {
		/** The row holds the write's latest state: nothing is written. */
		APPLIED,
		/**
		 * The row holds what an earlier attempt wrote, and commits came since: the write is now based on that row and
		 * goes back to the queue ({@link #rebased()}).
		 */
		REBASED,
		/** Neither: the write is written (or fails) as any other. */
		UNAPPLIED
	}

	/** After a commit whose outcome was unknown: whether the row already holds this write, or an earlier attempt of it. */
	Uncertain uncertainOutcome(FlushItem item) {
		RowProbe.Row row;
		try {
			row = rows.read( item.region(), item.id() );
		}
		catch (RuntimeException e) {
			LOG.couldNotReadBack( logPrefix, item, e );
			return Uncertain.UNAPPLIED;
		}
		boolean applied = item.operation == Operation.DELETE
				? !row.state().exists()
				: row.state().exists()
						&& ( !row.versioned() || item.region().sameVersion( row.state().version(), item.snapshot.version() ) );
		if ( applied ) {
			LOG.uncertainCommitApplied( logPrefix, item );
			return Uncertain.APPLIED;
		}
		if ( item.outcomes().priorAttemptApplied( item, row.state() ) ) {
			LOG.uncertainEarlierAttemptApplied( logPrefix, item );
			rebased.get().add( item );
			return Uncertain.REBASED;
		}
		return Uncertain.UNAPPLIED;
	}

	void fail(FlushItem item, Reason reason, RuntimeException cause) {
		int attempts = item.outcomes().attempts( item );
		EntitySnapshot dropped = item.outcomes().drop( item );
		// the state dropped: the latest committed, which holds the commits made while this flush was in flight too
		// (the item's own snapshot would not, and they would be lost without a word)
		Object entity = detachedInstance( item, dropped == null ? item.snapshot : dropped );
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
		return detachedInstance( item, item.snapshot );
	}

	private Object detachedInstance(FlushItem item, EntitySnapshot snapshot) {
		try ( StatelessSession session = factory.openStatelessSession() ) {
			return writer.detachedInstance( item, snapshot, (SharedSessionContractImplementor) session );
		}
		catch (RuntimeException e) {
			LOG.couldNotRebuild( logPrefix, item, e );
			return null;
		}
	}
}
