package io.writebehind.examples.benchmark;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.writebehind.WriteBehindQueueFullException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;

/**
 * Scenario 6, sustained overload: writers commit faster than the database can take (each commit persists several
 * entities) into a small queue, for a fixed time. Commits that find the queue full for longer than
 * {@code queue_full_timeout_ms} fail with {@link WriteBehindQueueFullException} (found in the cause chain) and are
 * rolled back whole. Heap and pending writes are sampled every 100 ms. Afterwards {@code flush()}, and the database
 * must hold exactly the entities of the accepted commits: every id of the table is checked against the ids the
 * writers know were accepted, and none of a rejected commit may be there.
 */
final class Overload {

	private static final long THREAD_ID_SPAN = 1_000_000_000L;
	private static final long QUEUE_FULL_TIMEOUT_MS = 100;

	private Overload() {
	}

	static Map<String, Object> run(Env env, Mode mode, boolean progress, PrintStream out) throws SQLException {
		int threads = mode.threads();
		int perCommit = mode.overloadEntitiesPerCommit();
		Map<String, Object> settings = new LinkedHashMap<>();
		settings.put( WriteBehindSettings.QUEUE_CAPACITY, Integer.toString( mode.overloadQueueCapacity() ) );
		settings.put( WriteBehindSettings.QUEUE_FULL_TIMEOUT_MS, Long.toString( QUEUE_FULL_TIMEOUT_MS ) );
		Map<String, Object> json = new LinkedHashMap<>();
		json.put( "settings", settings );
		json.put( "seconds", mode.overloadSeconds() );
		json.put( "threads", threads );
		json.put( "entitiesPerCommit", perCommit );

		BitSet[] accepted = new BitSet[threads];
		BitSet[] rejected = new BitSet[threads];
		long[] next = new long[threads];
		for ( int t = 0; t < threads; t++ ) {
			accepted[t] = new BitSet();
			rejected[t] = new BitSet();
		}
		long[] rejectedCommits = new long[threads];
		AtomicLong maxHeap = new AtomicLong();
		AtomicLong maxPending = new AtomicLong();
		AtomicBoolean sampling = new AtomicBoolean( true );
		// one full collection while the writers run (at 3/4 of the run), with the pending writes just before it
		long[] liveHeap = { -1, -1 };

		try ( Db db = Db.open( env, settings ) ) {
			long heapBefore = Heap.usedAfterGc();
			WriteBehindStats before = db.writeBehind().stats();
			long liveAt = System.nanoTime() + (long) ( mode.overloadSeconds() * 0.75e9 );
			Thread sampler = new Thread( () -> {
				while ( sampling.get() ) {
					maxHeap.accumulateAndGet( Heap.used(), Math::max );
					long pendingNow = db.writeBehind().stats().pending();
					maxPending.accumulateAndGet( pendingNow, Math::max );
					if ( liveHeap[0] < 0 && System.nanoTime() - liveAt >= 0 ) {
						liveHeap[1] = pendingNow;
						liveHeap[0] = Heap.usedAfterGc();
					}
					try {
						Thread.sleep( 100 );
					}
					catch (InterruptedException e) {
						return;
					}
				}
			}, "bench-sampler" );
			sampler.setDaemon( true );
			sampler.start();

			Load.Result r = Load.time( "overload: " + threads + " writers, " + perCommit + " entities/commit", threads,
					mode.overloadSeconds(), progress, (thread, i, random) -> {
						int first = (int) next[thread];
						next[thread] += perCommit;
						long base = ( thread + 1 ) * THREAD_ID_SPAN;
						try {
							db.tx( em -> {
								for ( int k = 0; k < perCommit; k++ ) {
									em.persist( new WbItem( base + first + k ) );
								}
							} );
							accepted[thread].set( first, first + perCommit );
						}
						catch (RuntimeException e) {
							if ( !Load.causedBy( e, WriteBehindQueueFullException.class ) ) {
								throw e;
							}
							rejected[thread].set( first, first + perCommit );
							rejectedCommits[thread]++;
						}
					} );
			WriteBehindStats atEnd = db.writeBehind().stats();
			sampling.set( false );
			sampler.interrupt();
			try {
				sampler.join();
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}

			long start = System.nanoTime();
			db.writeBehind().flush();
			double flushSeconds = ( System.nanoTime() - start ) / 1e9;

			long acceptedEntities = 0;
			long rejectedEntities = 0;
			long rejectedTotal = 0;
			for ( int t = 0; t < threads; t++ ) {
				acceptedEntities += accepted[t].cardinality();
				rejectedEntities += rejected[t].cardinality();
				rejectedTotal += rejectedCommits[t];
			}
			String verification = verify( db, accepted, rejected, acceptedEntities );
			if ( verification.equals( "ok" ) && !db.writeBehind().failedWrites().isEmpty() ) {
				verification = "failed writes: " + db.writeBehind().failedWrites();
			}
			double seconds = r.seconds();
			long flushedDuring = atEnd.flushed() - before.flushed();

			Table table = new Table( "6. sustained overload: " + threads + " writers x " + perCommit + " entities per "
					+ "commit for " + mode.overloadSeconds() + " s, queue_capacity=" + mode.overloadQueueCapacity()
					+ ", queue_full_timeout_ms=" + QUEUE_FULL_TIMEOUT_MS, "figure", "value" );
			table.row( "commits attempted", Table.n( r.operations() ) );
			table.row( "commits accepted", Table.n( r.operations() - rejectedTotal ) );
			table.row( "commits rejected (WriteBehindQueueFullException)", Table.n( rejectedTotal ) + String.format(
					" (%.1f%%)", 100.0 * rejectedTotal / Math.max( 1, r.operations() ) ) );
			table.row( "entities offered / s", Table.rate( r.operations() * perCommit / seconds ) );
			table.row( "entities accepted / s", Table.rate( acceptedEntities / seconds ) );
			table.row( "rows the flusher wrote / s during the run", Table.rate( flushedDuring / seconds ) );
			table.row( "commit latency p50 / p99 / max (us)", Table.us( r.latency().p50() ) + " / "
					+ Table.us( r.latency().p99() ) + " / " + Table.us( r.latency().max() ) );
			table.row( "max pending writes (sampled)", Table.n( maxPending.get() ) );
			table.row( "heap after GC before the run", Table.mb( heapBefore ) );
			table.row( "max heap used (sampled every 100 ms, garbage included)", Table.mb( maxHeap.get() ) );
			table.row( "heap after a full GC at 3/4 of the run (" + Table.n( liveHeap[1] ) + " pending)",
					liveHeap[0] < 0 ? "-" : Table.mb( liveHeap[0] ) );
			table.row( "flush() at the end (s)", Table.f( flushSeconds, 2 ) );
			table.row( "database after flush()", verification.equals( "ok" )
					? "exactly the " + Table.n( acceptedEntities ) + " accepted entities" : verification );
			table.print( out );
			boolean saturated = maxPending.get() >= mode.overloadQueueCapacity();
			out.println( saturated
					? "  the queue reached its capacity: the writers were held to the database's pace (a full queue makes "
							+ "a commit wait up to queue_full_timeout_ms), and commits that waited longer were rejected "
							+ "whole; the heap stays bounded by the queue"
					: "  the queue never filled: the database kept up with the writers on this machine" );

			json.put( "queueReachedCapacity", saturated );
			json.put( "commitsAttempted", r.operations() );
			json.put( "commitsRejected", rejectedTotal );
			json.put( "commitsAccepted", r.operations() - rejectedTotal );
			json.put( "entitiesAccepted", acceptedEntities );
			json.put( "entitiesRejected", rejectedEntities );
			json.put( "entitiesOfferedPerSecond", r.operations() * perCommit / seconds );
			json.put( "entitiesAcceptedPerSecond", acceptedEntities / seconds );
			json.put( "rowsFlushedPerSecondDuringRun", flushedDuring / seconds );
			json.put( "commitLatency", r.latency().json() );
			json.put( "maxPendingSampled", maxPending.get() );
			json.put( "heapBeforeBytes", heapBefore );
			json.put( "maxHeapUsedSampledBytes", maxHeap.get() );
			json.put( "heapAfterFullGcDuringRunBytes", liveHeap[0] );
			json.put( "pendingAtThatGc", liveHeap[1] );
			json.put( "finalFlushSeconds", flushSeconds );
			json.put( "verification", verification );
			if ( !verification.equals( "ok" ) ) {
				throw new IllegalStateException( "overload: " + verification );
			}
		}
		finally {
			sampling.set( false );
		}
		return json;
	}

	/** Every row is an accepted entity, none is missing, none of a rejected commit is there. */
	private static String verify(Db db, BitSet[] accepted, BitSet[] rejected, long acceptedEntities) throws SQLException {
		long rows = 0;
		long unexpected = 0;
		long ofRejected = 0;
		try ( Connection c = db.jdbc(); Statement s = c.createStatement();
				ResultSet rs = s.executeQuery( "select id from bench_wb" ) ) {
			while ( rs.next() ) {
				rows++;
				long id = rs.getLong( 1 );
				int thread = (int) ( id / THREAD_ID_SPAN ) - 1;
				int seq = (int) ( id % THREAD_ID_SPAN );
				if ( thread < 0 || thread >= accepted.length || !accepted[thread].get( seq ) ) {
					unexpected++;
					if ( thread >= 0 && thread < rejected.length && rejected[thread].get( seq ) ) {
						ofRejected++;
					}
				}
			}
		}
		if ( unexpected == 0 && rows == acceptedEntities ) {
			return "ok";
		}
		return "MISMATCH: " + rows + " rows, " + acceptedEntities + " accepted entities, " + unexpected
				+ " rows not accepted (" + ofRejected + " of rejected commits)";
	}
}
