package io.writebehind.internal.flush;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.hibernate.StaleObjectStateException;

import io.writebehind.FailedWrite.Reason;
import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.config.WriteBehindConfig;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.FlushItem;
import io.writebehind.internal.queue.Partition;
import io.writebehind.internal.queue.QueueNode;
import io.writebehind.internal.queue.WriteQueue;

/**
 * The flusher thread of one partition: takes its due writes, writes them ({@link BatchWriter}), bisects a failed
 * batch down to the bad write ({@link Settlement} decides its fate), retries after a transient failure with backoff,
 * and tells the region, the counters, the listeners and the flush observers what was written. Every field but the
 * shared collaborators is owned by this worker's thread.
 */
final class FlushWorker implements Runnable {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( Flusher.class );

	/** How often a write that fails on a foreign key is tried again before it goes to failure handling. */
	private static final int FOREIGN_KEY_ATTEMPTS = 20;

	private final Partition partition;
	private final WriteBehindConfig config;
	private final WriteQueue queue;
	private final FlushCounters counters;
	private final FlushListeners listeners;
	private final String logPrefix;
	private final ForeignKeyGuard foreignKeys;
	private final BatchWriter batches;
	private final Settlement settlement;
	private final List<FlushObserver> observers;
	/** Writes of the current cycle that failed on a foreign key, to defer; owned by this worker's thread. */
	private final List<FlushItem> deferredForForeignKey = new ArrayList<>();
	/** Failed flush attempts of the current outage (0: none); owned by this worker's thread. */
	private int failedAttempts;
	/** When the current outage began (System.nanoTime()); owned by this worker's thread. */
	private long outageStartNanos;

	FlushWorker(Partition partition, WriteBehindConfig config, WriteQueue queue, FlushCounters counters,
			FlushListeners listeners, String logPrefix, ForeignKeyGuard foreignKeys, BatchWriter batches,
			Settlement settlement, List<FlushObserver> observers) {
		this.partition = partition;
		this.config = config;
		this.queue = queue;
		this.counters = counters;
		this.listeners = listeners;
		this.logPrefix = logPrefix;
		this.foreignKeys = foreignKeys;
		this.batches = batches;
		this.settlement = settlement;
		this.observers = observers;
	}

	@Override
	public void run() {
		while ( true ) {
			List<QueueNode> nodes;
			try {
				nodes = partition.awaitDue( config.flushTransactionSize );
			}
			catch (InterruptedException e) {
				continue;
			}
			if ( nodes == null ) {
				return;
			}
			boolean idle = false;
			try {
				cycle( nodes );
			}
			catch (Throwable t) {
				LOG.unexpectedFlusherError( logPrefix, t );
			}
			finally {
				idle = partition.cycleDone();
			}
			if ( idle ) {
				// nothing queued here now: the pending maps' tables that removals left sparse are shrunk (their removed
				// writes dropped) while there is nothing else to do, not on a drain's way down
				try {
					for ( EntityRegion region : queue.regions() ) {
						region.trimPending();
					}
				}
				catch (Throwable t) {
					LOG.unexpectedFlusherError( logPrefix, t );
				}
			}
		}
	}

	private void cycle(List<QueueNode> nodes) {
		List<FlushItem> items = new ArrayList<>( nodes.size() );
		for ( QueueNode node : nodes ) {
			FlushItem item = node.beginWrite();
			if ( item == null ) {
				continue;
			}
			if ( item.needsRebase && item.rowCheck != null ) {
				String refused = batches.refused( item );
				if ( refused != null ) {
					settlement.fenced( item, new FlushFence.Fenced( refused ) );
					continue;
				}
				checkRow( item );
				continue;
			}
			if ( item.needsRebase ) {
				replay( item );
				continue;
			}
			items.add( item );
		}
		try {
			write( items );
		}
		finally {
			requeueRebased();
			if ( !deferredForForeignKey.isEmpty() ) {
				int attempts = deferredForForeignKey.get( 0 ).outcomes().attempts( deferredForForeignKey.get( 0 ) );
				defer( deferredForForeignKey, Math.min( 500, 10L * attempts ) );
				deferredForForeignKey.clear();
			}
		}
	}

	/** Writes that were re-based on the database's row go back to the front of the queue, with their old tickets. */
	private void requeueRebased() {
		List<FlushItem> items = settlement.rebased();
		if ( items.isEmpty() ) {
			return;
		}
		List<QueueNode> nodes = new ArrayList<>( items.size() );
		for ( FlushItem item : items ) {
			nodes.add( item.node );
		}
		items.clear();
		partition.requeueFront( nodes, 0 );
	}

	private void write(List<FlushItem> all) {
		if ( all.isEmpty() ) {
			return;
		}
		List<FlushItem> held = new ArrayList<>();
		List<FlushItem> items = foreignKeys.ready( all, held );
		if ( !held.isEmpty() ) {
			defer( held, 5 );
		}
		if ( items.isEmpty() ) {
			return;
		}
		items.sort( BatchWriter.STATEMENT_ORDER );
		try {
			// after a commit whose outcome was unknown: what did reach the database is not written again
			List<FlushItem> toWrite = items;
			if ( items.stream().anyMatch( item -> item.uncertain ) ) {
				toWrite = new ArrayList<>( items.size() );
				for ( FlushItem item : items ) {
					switch ( item.uncertain ? settlement.uncertainOutcome( item ) : Settlement.Uncertain.UNAPPLIED ) {
						case APPLIED -> written( List.of( item ), -1 );
						case REBASED -> item.settled = true; // back to the queue, based on the row
						case UNAPPLIED -> toWrite.add( item );
					}
				}
			}
			try {
				long nanos = batches.write( toWrite, config.jdbcBatchSize );
				written( toWrite, nanos );
			}
			catch (RuntimeException e) {
				if ( FlushErrors.isTransient( e ) ) {
					throw new TransientFailure( e );
				}
				bisect( toWrite );
			}
			outageOver();
		}
		catch (TransientFailure e) {
			List<FlushItem> unsettled = new ArrayList<>();
			for ( FlushItem item : items ) {
				if ( !item.settled ) {
					unsettled.add( item );
				}
			}
			retryLater( unsettled, e );
		}
	}

	/** Splits a failed batch in halves, each in its own transaction, down to the writes that fail alone. */
	private void bisect(List<FlushItem> items) {
		if ( items.size() == 1 ) {
			FlushItem item = items.get( 0 );
			try {
				long nanos = batches.write( items, 1 );
				written( items, nanos );
			}
			catch (RuntimeException e) {
				if ( FlushErrors.isTransient( e ) ) {
					throw new TransientFailure( e );
				}
				settle( item, e );
				item.settled = true;
			}
			return;
		}
		int middle = items.size() / 2;
		for ( List<FlushItem> half : List.of( items.subList( 0, middle ), items.subList( middle, items.size() ) ) ) {
			try {
				long nanos = batches.write( half, config.jdbcBatchSize );
				written( half, nanos );
			}
			catch (RuntimeException e) {
				if ( FlushErrors.isTransient( e ) ) {
					throw new TransientFailure( e );
				}
				bisect( half );
			}
		}
	}

	/** Puts writes back to wait a little, without holding back the rest of the partition. */
	private void defer(List<FlushItem> items, long millis) {
		List<QueueNode> nodes = new ArrayList<>( items.size() );
		for ( FlushItem item : items ) {
			item.outcomes().retryLater( item, false );
			nodes.add( item.node );
		}
		partition.defer( nodes, millis * 1_000_000L );
	}

	/** A write that fails alone: applied after all (uncertain commit), a conflict, or a permanent failure. */
	private void settle(FlushItem item, RuntimeException e) {
		if ( FlushErrors.isForeignKeyViolation( e ) && item.outcomes().attempts( item ) < FOREIGN_KEY_ATTEMPTS ) {
			// the row it references (or that references it) may be written by another flusher thread right now
			deferredForForeignKey.add( item );
			return;
		}
		if ( item.uncertain ) {
			switch ( settlement.uncertainOutcome( item ) ) {
				case APPLIED -> {
					written( List.of( item ), -1 );
					return;
				}
				case REBASED -> {
					return; // back to the queue, based on the row
				}
				case UNAPPLIED -> {
				}
			}
		}
		if ( e instanceof FlushFence.Fenced ) {
			settlement.fenced( item, e );
		}
		else if ( FlushErrors.isConflict( e ) ) {
			settlement.conflict( item, e );
		}
		else {
			settlement.fail( item, Reason.FAILED, e );
		}
	}

	/** {@code nanos}: how long the flush transaction took; -1 when no transaction wrote them (found applied). */
	private void written(List<FlushItem> items, long nanos) {
		if ( items.isEmpty() ) {
			return;
		}
		for ( FlushObserver observer : observers ) {
			observer.written( items ); // first: the smaller the window after the commit, the fewer rows a restart reads
		}
		// the rows are marked clean in the read cache with its eviction run once every few dozen rows, not after each
		queue.cache().marking( () -> {
			// the regions' counters: once per run of one region (the items are sorted by region)
			EntityRegion run = null;
			int inRun = 0;
			int left = 0;
			try {
				for ( FlushItem item : items ) {
					if ( item.outcomes().written( item, EntityWriter.versionAfter( item ) ) ) {
						left++;
					}
					item.settled = true;
					if ( item.region() != run ) {
						if ( run != null ) {
							run.counters().flushed.add( inRun );
						}
						run = item.region();
						inRun = 0;
					}
					inRun++;
				}
				run.counters().flushed.add( inRun );
			}
			finally {
				// the room of the writes that left the queue, at once (the committers waiting for room are woken once)
				queue.release( left );
			}
		} );
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

	private void retryLater(List<FlushItem> items, TransientFailure failure) {
		List<QueueNode> nodes = new ArrayList<>( items.size() );
		for ( FlushItem item : items ) {
			item.outcomes().retryLater( item, failure.uncertain );
			item.region().counters().retries.increment();
			nodes.add( item.node );
		}
		Throwable cause = failure.getCause() instanceof BatchWriter.CommitOutcomeUnknown unknown ? unknown.getCause() : failure.getCause();
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
	private void replay(FlushItem item) {
		try {
			settlement.rebaseOverCurrentRow( item, item.snapshot );
		}
		catch (RuntimeException e) {
			if ( !FlushErrors.isTransient( e ) ) {
				settlement.fail( item, Reason.FAILED, e );
				return;
			}
			retryLater( List.of( item ), new TransientFailure( e ) );
		}
	}

	/**
	 * A write a feature recovered (replayed from the journal at start-up): its row is read first, and the write's
	 * {@link RowCheck} decides: the row already holds it (nothing is written twice), it is written normally, or it
	 * is a conflict, for the entity's policy.
	 */
	private void checkRow(FlushItem item) {
		try {
			String conflict = settlement.checkAgainstRow( item );
			if ( conflict != null ) {
				settlement.conflict( item, new StaleObjectStateException( item.snapshot.entityName(), item.id(), conflict ) );
			}
			else {
				settlement.rebased().add( item );
			}
		}
		catch (TransientFailure e) {
			retryLater( List.of( item ), e );
		}
		catch (RuntimeException e) {
			if ( !FlushErrors.isTransient( e ) ) {
				settlement.fail( item, Reason.FAILED, e );
				return;
			}
			retryLater( List.of( item ), new TransientFailure( e ) );
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
