package io.writebehind.internal.flush;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.hibernate.StatelessSession;
import org.hibernate.Transaction;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.jboss.logging.Logger;

import io.writebehind.FailedWrite;
import io.writebehind.FailedWrite.Operation;
import io.writebehind.FailedWrite.Reason;
import io.writebehind.internal.config.WriteBehindConfig;
import io.writebehind.internal.queue.FlushItem;
import io.writebehind.internal.queue.Partition;
import io.writebehind.internal.queue.QueueNode;
import io.writebehind.internal.queue.WriteQueue;

/**
 * The flusher threads of one persistence unit, one per partition. Each thread owns its partition's writes while it
 * writes them: it takes due writes, applies them in one database transaction through its own stateless session with
 * JDBC batching (inserts in foreign-key order, then updates, then deletes in reverse order), and then marks them
 * written. A batch that fails for a transient reason is retried whole after a backoff; any other failure is isolated
 * row by row so that one bad write never holds back the others.
 */
public final class Flusher {

	private static final Logger LOG = Logger.getLogger( Flusher.class );

	private final SessionFactoryImplementor factory;
	private final WriteBehindConfig config;
	private final WriteQueue queue;
	private final FlushCounters counters;
	private final DeadLetters deadLetters;
	private final String logPrefix;
	private final EntityWriter writer;
	private final List<Thread> threads = new ArrayList<>();

	public Flusher(SessionFactoryImplementor factory, WriteBehindConfig config, WriteQueue queue,
			FlushCounters counters, DeadLetters deadLetters, String logPrefix, String threadName) {
		this.factory = factory;
		this.config = config;
		this.queue = queue;
		this.counters = counters;
		this.deadLetters = deadLetters;
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

	private final class Worker implements Runnable {
		private final Partition partition;
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
					LOG.errorf( t, "%sUnexpected error in the flusher; the writes of this cycle will be retried", logPrefix );
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
				if ( item != null ) {
					items.add( item );
					nodeOf.put( item, node );
				}
			}
			if ( items.isEmpty() ) {
				return;
			}
			items.sort( STATEMENT_ORDER );
			try {
				writeInOneTransaction( items, config.jdbcBatchSize );
				written( items );
			}
			catch (RuntimeException e) {
				if ( FlushErrors.isTransient( e ) ) {
					retryLater( items, nodeOf, e );
				}
				else {
					isolate( items, nodeOf );
				}
			}
		}

		/** Writes each item of a failed batch in its own transaction: the good ones land, the bad one is isolated. */
		private void isolate(List<FlushItem> items, Map<FlushItem, QueueNode> nodeOf) {
			for ( int i = 0; i < items.size(); i++ ) {
				FlushItem item = items.get( i );
				try {
					writeInOneTransaction( List.of( item ), 1 );
					written( List.of( item ) );
				}
				catch (RuntimeException e) {
					if ( FlushErrors.isTransient( e ) ) {
						retryLater( items.subList( i, items.size() ), nodeOf, e );
						return;
					}
					fail( item, FlushErrors.isConflict( e ) ? Reason.CONFLICT : Reason.FAILED, e );
				}
			}
		}

		private void written(List<FlushItem> items) {
			for ( FlushItem item : items ) {
				item.region().written( item, EntityWriter.versionAfter( item ) );
			}
			counters.flushed.add( items.size() );
			counters.batches.increment();
			if ( failedAttempts > 0 ) {
				LOG.infof( "%sThe database accepts writes again after %d failed attempt(s) in %d ms", logPrefix,
						failedAttempts, ( System.nanoTime() - outageStartNanos ) / 1_000_000 );
				failedAttempts = 0;
			}
		}

		private void retryLater(List<FlushItem> items, Map<FlushItem, QueueNode> nodeOf, RuntimeException e) {
			List<QueueNode> nodes = new ArrayList<>( items.size() );
			for ( FlushItem item : items ) {
				item.region().retryLater( item );
				nodes.add( nodeOf.get( item ) );
			}
			if ( failedAttempts++ == 0 ) {
				outageStartNanos = System.nanoTime();
				LOG.warnf( e, "%sThe database refused a flush for a transient reason; %d pending write(s) stay queued "
						+ "and are retried with backoff (logged once per outage)", logPrefix, queue.pending() );
			}
			else {
				LOG.debugf( "%sFlush attempt %d failed: %s", logPrefix, failedAttempts, e );
			}
			counters.retries.increment();
			partition.requeueFront( nodes, backoffNanos( failedAttempts ) );
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

	private void fail(FlushItem item, Reason reason, RuntimeException cause) {
		Object entity = null;
		try ( StatelessSession session = factory.openStatelessSession() ) {
			entity = writer.detachedInstance( item, (SharedSessionContractImplementor) session );
		}
		catch (RuntimeException e) {
			LOG.debugf( e, "%sCould not rebuild the entity of failed write %s", logPrefix, item );
		}
		int attempts = item.region().attempts( item );
		item.region().drop( item );
		if ( reason == Reason.CONFLICT ) {
			counters.conflicts.increment();
			LOG.errorf( "%sConflict: %s %s#%s found the row changed or removed behind write-behind's back "
					+ "(expected version %s); the write is in WriteBehind.failedWrites() and the cache entry was "
					+ "invalidated, so reads show the database's state", logPrefix, item.operation,
					item.snapshot.entityName(), item.id(), item.dbVersion );
		}
		else {
			counters.failed.increment();
			LOG.errorf( cause, "%sThe database refused %s %s#%s; the write is in WriteBehind.failedWrites() and the "
					+ "cache entry was invalidated", logPrefix, item.operation, item.snapshot.entityName(), item.id() );
		}
		deadLetters.add( new FailedWrite( item.snapshot.entityName(), item.id(), item.operation, reason, entity, attempts,
				reason == Reason.CONFLICT && cause instanceof org.hibernate.StaleStateException ? null : cause,
				Instant.now() ) );
	}

	private void writeInOneTransaction(List<FlushItem> items, int jdbcBatchSize) {
		try ( StatelessSession session = factory.openStatelessSession() ) {
			session.setJdbcBatchSize( jdbcBatchSize );
			Transaction tx = session.beginTransaction();
			try {
				SharedSessionContractImplementor implementor = (SharedSessionContractImplementor) session;
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
				tx.commit();
			}
			catch (RuntimeException e) {
				try {
					if ( tx.isActive() ) {
						tx.rollback();
					}
				}
				catch (RuntimeException rollbackFailure) {
					e.addSuppressed( rollbackFailure );
				}
				throw e;
			}
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
			String lower = url == null ? "" : url.toLowerCase( java.util.Locale.ROOT );
			known = !( lower.contains( "usebulkstmts=true" ) || lower.contains( "rewritebatchedstatements=true" ) );
			if ( !known ) {
				LOG.warnf( "%sThe JDBC URL enables batch rewriting (useBulkStmts / rewriteBatchedStatements), with which "
						+ "the driver reports no row counts for batched statements; versioned updates and deletes are "
						+ "sent one by one so that every version check sees a real row count (inserts stay batched)",
						logPrefix );
			}
			rowCountsReliable = known;
		}
		return known;
	}

	private volatile Boolean rowCountsReliable;

	/** Inserts (parents first), then updates, then deletes (children first). */
	private static final Comparator<FlushItem> STATEMENT_ORDER = Comparator
			.comparingInt( (FlushItem item) -> item.operation.ordinal() )
			.thenComparingInt( item -> item.operation == Operation.DELETE ? -item.region().index() : item.region().index() );
}
