package io.writebehind.internal.flush;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.hibernate.engine.spi.SessionFactoryImplementor;

import io.writebehind.internal.config.WriteBehindConfig;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.Partition;
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

	private final WriteQueue queue;
	/** Created by the constructor, started by {@link #start}, joined by {@link #stop}. */
	private final List<Thread> threads = new ArrayList<>();
	/** The features told which writes reached the database (the journal); added before {@link #start}. */
	private final List<FlushObserver> observers = new CopyOnWriteArrayList<>();
	private final BatchWriter batches;

	/** Installs a feature's check inside each flush transaction, before it commits (see {@link FlushFence}); before {@link #start}. */
	public void fence(FlushFence fence) {
		batches.fence( fence );
	}

	/** Adds a feature told which writes reached the database; before {@link #start}. */
	public void observer(FlushObserver observer) {
		observers.add( observer );
	}

	public Flusher(SessionFactoryImplementor factory, WriteBehindConfig config, WriteQueue queue,
			FlushCounters counters, FailureHandling failures, FlushListeners listeners, String logPrefix,
			String threadName, Function<String, EntityRegion> regions) {
		this.queue = queue;
		ForeignKeyGuard foreignKeys = new ForeignKeyGuard( factory, regions );
		EntityWriter writer = new EntityWriter( factory );
		this.batches = new BatchWriter( factory, writer,
				new DirectStatements( factory, logPrefix, config.directStatements, config.multiRowInserts,
						config.multiRowUpdates ), logPrefix );
		Settlement settlement = new Settlement( factory, counters, failures, listeners, writer, logPrefix );
		for ( Partition partition : queue.partitions() ) {
			FlushWorker worker = new FlushWorker( partition, config, queue, counters, listeners, logPrefix, foreignKeys,
					batches, settlement, observers );
			Thread thread = new Thread( worker, threadName + "-" + partition.index() );
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
}
