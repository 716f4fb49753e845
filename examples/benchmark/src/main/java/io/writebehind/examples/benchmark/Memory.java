package io.writebehind.examples.benchmark;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

import io.writebehind.WriteBehindSettings;
import io.writebehind.examples.support.Progress;

/**
 * Scenario 5, memory: heap bytes per pending write with many writes pending. Method: used heap after full collections
 * before and after committing P inserts that stay pending (huge max delay, batch size above P, queue capacity raised),
 * divided by P. The entity state is estimated separately, the same way: used heap before and after filling an array
 * (allocated beforehand) with P entity instances holding the same values (the entity object, its boxed id and its name
 * string); the difference is write-behind's own cost per pending write (its snapshot of the state in Hibernate's
 * disassembled cache-entry form, the pending-write record, queue node and map entries).
 */
final class Memory {

	private static final int APP_TX = 1_000;
	private static final long WARM_UP_FIRST_ID = 1_000_000_000L;

	private Memory() {
	}

	static Map<String, Object> run(Env env, Mode mode, boolean progress, PrintStream out) {
		int pending = mode.pendingWrites();
		Map<String, Object> settings = new LinkedHashMap<>();
		settings.put( WriteBehindSettings.MAX_DELAY_MS, "3600000" );
		// a threshold of twice the writes: each of the two partitions starts a flush early at half of it, and holds
		// about half of the writes
		settings.put( WriteBehindSettings.QUEUE_CAPACITY, Integer.toString( 2 * pending + 10_000 ) );
		settings.put( WriteBehindSettings.FLUSH_THRESHOLD, Integer.toString( 2 * pending + 10_000 ) );
		settings.put( WriteBehindSettings.FLUSHER_THREADS, "2" );
		Map<String, Object> json = new LinkedHashMap<>();
		json.put( "settings", settings );
		json.put( "pendingWrites", pending );
		json.put( "method", "used heap (MemoryMXBean) after System.gc() until stable, before and after committing P "
				+ "inserts that stay pending, divided by P; minus the entity state estimated the same way from P "
				+ "entity instances with the same values held in a preallocated array" );
		try ( Db db = Db.open( env, settings ) ) {
			// warm-up: the code paths and Hibernate's caches, flushed away
			commit( db, WARM_UP_FIRST_ID, 2_000, null );
			db.writeBehind().flush();
			settle( db, env );

			long before = Heap.usedAfterGc();
			long start = System.nanoTime();
			try ( Progress bar = Progress.start( "memory: commit " + Table.n( pending ) + " pending inserts", pending,
					progress ) ) {
				commit( db, 1, pending, bar );
			}
			double commitSeconds = ( System.nanoTime() - start ) / 1e9;
			long after = Heap.usedAfterGc();
			long pendingNow = db.writeBehind().stats().pending();
			if ( pendingNow != pending ) {
				throw new IllegalStateException( "memory: " + pendingNow + " writes pending, expected " + pending
						+ " (the flusher must not run during the measurement)" );
			}
			double perPending = ( after - before ) / (double) pending;

			Object[] holder = new Object[pending];
			long entityBefore = Heap.usedAfterGc();
			for ( int i = 0; i < pending; i++ ) {
				holder[i] = new WbItem( i + 1 );
			}
			long entityAfter = Heap.usedAfterGc();
			double perEntity = ( entityAfter - entityBefore ) / (double) pending;
			if ( holder[pending - 1] == null ) {
				throw new AssertionError();
			}
			holder = null;

			start = System.nanoTime();
			db.writeBehind().flush();
			double flushSeconds = ( System.nanoTime() - start ) / 1e9;
			long rows = db.queryLong( "select count(*) from bench_wb where id between 1 and ?", pending );
			if ( rows != pending ) {
				throw new IllegalStateException( "memory: after flush() bench_wb holds " + rows + " rows, expected " + pending );
			}

			Table table = new Table( "5. memory: heap per pending write, " + Table.n( pending ) + " pending inserts",
					"figure", "value" );
			table.row( "heap after GC, before", Table.mb( before ) );
			table.row( "heap after GC, " + Table.n( pending ) + " writes pending", Table.mb( after ) );
			table.row( "bytes per pending write", Table.f( perPending, 0 ) );
			table.row( "bytes per entity state (estimate)", Table.f( perEntity, 0 ) );
			table.row( "write-behind overhead per pending write", Table.f( perPending - perEntity, 0 ) );
			table.row( "commit rate while filling (entities/s, tx of " + APP_TX + ")", Table.rate( pending / commitSeconds ) );
			table.row( "flush() of all of them (rows/s)", Table.rate( pending / flushSeconds ) );
			table.print( out );
			out.println( "  method: " + json.get( "method" ) );
			out.println( "  max heap of this JVM: " + Table.mb( Heap.max() ) + "; the " + Table.n( pending )
					+ " rows were flushed afterwards and counted with JDBC" );

			json.put( "heapBeforeBytes", before );
			json.put( "heapWithPendingBytes", after );
			json.put( "bytesPerPendingWrite", perPending );
			json.put( "bytesPerEntityStateEstimate", perEntity );
			json.put( "writeBehindOverheadBytesPerPendingWrite", perPending - perEntity );
			json.put( "commitEntitiesPerSecond", pending / commitSeconds );
			json.put( "flushSeconds", flushSeconds );
			json.put( "flushRowsPerSecond", pending / flushSeconds );
		}
		return json;
	}

	/**
	 * Embedded H2 shares this JVM's heap: its file store keeps the write buffers (1 MB and more) it grows to store a
	 * chunk in a pool, and one allocated inside the window was counted as write-behind's: after the drain scenario, in
	 * whose database the pool had held it, 8 bytes per pending write more than in a fresh JVM (class histograms of the
	 * two windows: the same write-behind objects, one 1,048,576-byte array more). A checkpoint before the window
	 * stores the chunk now, so that the window holds only what the commits add.
	 */
	private static void settle(Db db, Env env) {
		if ( !env.kind.equals( "h2" ) ) {
			return;
		}
		try {
			Connection c = db.pool.getConnection();
			try ( Statement s = c.createStatement() ) {
				s.execute( "CHECKPOINT SYNC" );
			}
			finally {
				db.pool.closeConnection( c );
			}
		}
		catch (SQLException e) {
			throw new IllegalStateException( "memory: CHECKPOINT SYNC on H2 failed", e );
		}
	}

	private static void commit(Db db, long firstId, int n, Progress bar) {
		for ( long from = firstId; from < firstId + n; from += APP_TX ) {
			long begin = from;
			long end = Math.min( firstId + n, from + APP_TX );
			db.tx( em -> {
				for ( long id = begin; id < end; id++ ) {
					em.persist( new WbItem( id ) );
				}
			} );
			if ( bar != null ) {
				for ( long id = begin; id < end; id++ ) {
					bar.step();
				}
			}
		}
	}
}
