package io.writebehind.internal.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A region's pending writes by id: a concurrent hash map whose entries are the {@link PendingWrite}s themselves (a
 * write holds its id), so that a pending write costs one table slot (about 4 to 11 bytes) and no map node (the
 * {@code ConcurrentHashMap} it replaces spent a 32-byte node and about 10 bytes of table per write).
 * <p>
 * Structure: {@value #SEGMENTS} segments chosen by the id's hash; each an open-addressing table with linear probing,
 * rebuilt under its lock when it fills (grown, or at the same size to drop the marks), replaced by a small empty table
 * when its last write leaves (a drain), or shrunk by {@link #trim} when it was left sparse. A write
 * that leaves the map is marked {@link PendingWrite#removed} and stays in its slot as a removed mark (so that a probe
 * goes on past it; reads treat it as absent), until a write of the same id takes the slot again, an insert reuses it or
 * the table is rebuilt: removing a write needs no probe of the table (the flusher removes the writes it holds), and a
 * table holds at most its slots' worth of removed writes (it is rebuilt without them when three quarters of its slots
 * are used, emptied when no live write is left, or shrunk by the next {@link #trim} once fewer than an eighth hold
 * live writes). A table is never changed once it has been replaced,
 * and every table keeps a quarter of its slots empty, so a probe ends.
 * <p>
 * Threads: {@link #compute} (and the methods built on it) holds the id's segment lock while the function runs, as
 * {@code ConcurrentHashMap.compute} holds its bin's lock: all changes to one id (committing application threads, the
 * id's flusher thread) are serialised, and the function may change the write it is given. Readers ({@link #get},
 * {@link #containsKey}, {@link #size}, the streams) take no lock and never wait: they read the segment's current table
 * (volatile) and its slots (acquire; stored with release, after the write is complete). A read that races a change
 * sees the map before or after it, as with {@code ConcurrentHashMap}; a reader that read a table just replaced sees it
 * as it was when replaced (it is not changed afterwards), which is the map at a moment during the read. The streams are
 * weakly consistent: each write present for the whole stream is seen once; others may or may not be, so an id whose
 * write left and a new one came while the stream ran may be seen twice (its callers collect ids into sets, or take a
 * minimum).
 * <p>
 * The function of a compute may call other methods of the map (another id, even of the same segment: the lock is
 * reentrant, and the slot is looked up again afterwards if the segment changed meanwhile), but must not change the
 * same id.
 */
final class PendingMap {

	/** Segments (a power of two): committing threads of different ids rarely wait for one another. */
	static final int SEGMENTS = 16;
	private static final int SEGMENT_SHIFT = Integer.SIZE - Integer.numberOfTrailingZeros( SEGMENTS );
	private static final int MIN_CAPACITY = 8;
	private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle( Object[].class );

	private final Segment[] segments = new Segment[SEGMENTS];

	PendingMap() {
		for ( int i = 0; i < SEGMENTS; i++ ) {
			segments[i] = new Segment();
		}
	}

	/** The id's hash, mixed (murmur3's finaliser): the top bits choose the segment, the low bits the slot. */
	private static int hash(Object id) {
		int h = id.hashCode();
		h ^= h >>> 16;
		h *= 0x85ebca6b;
		h ^= h >>> 13;
		h *= 0xc2b2ae35;
		h ^= h >>> 16;
		return h;
	}

	private Segment segmentFor(int hash) {
		return segments[hash >>> SEGMENT_SHIFT];
	}

	/** Whether the slot holds a write (live or removed) of the id. */
	private static boolean matches(Object slot, Object id) {
		if ( slot == null ) {
			return false;
		}
		Object key = ( (PendingWrite) slot ).id;
		return key == id || key.equals( id );
	}

	/** Under the segment's monitor: whether the slot holds no live write (empty, or a removed write). */
	private static boolean free(Object slot) {
		return slot == null || ( (PendingWrite) slot ).removed();
	}

	/** The pending write of the id, or {@code null}. Lock-free. */
	PendingWrite get(Object id) {
		int hash = hash( id );
		Object[] table = segmentFor( hash ).table;
		int mask = table.length - 1;
		for ( int i = hash & mask; ; i = ( i + 1 ) & mask ) {
			Object slot = SLOT.getAcquire( table, i );
			if ( slot == null ) {
				return null;
			}
			PendingWrite write = (PendingWrite) slot;
			// a removed write is passed without reading its id (one cache miss less per removed write on the way); if
			// it is the id's own, the id has no other slot, and the probe ends at an empty one
			if ( !write.removedAcquire() && matches( slot, id ) ) {
				return write;
			}
		}
	}

	boolean containsKey(Object id) {
		return get( id ) != null;
	}

	/**
	 * As {@code ConcurrentHashMap.compute}: the function gets the id's write ({@code null}: none) and returns the one
	 * to keep ({@code null}: none), atomically for the id. A write returned must have the id as its {@link
	 * PendingWrite#id}. If the function throws, nothing changes. The map alone marks a write {@link
	 * PendingWrite#removed} (when it leaves), never the function.
	 */
	PendingWrite compute(Object id, BiFunction<Object, PendingWrite, PendingWrite> function) {
		Objects.requireNonNull( id, "id" );
		int hash = hash( id );
		Segment segment = segmentFor( hash );
		synchronized ( segment ) {
			int changes = segment.changes;
			int index = segment.indexOf( id, hash );
			PendingWrite found = index < 0 ? null : (PendingWrite) segment.table[index];
			PendingWrite old = found == null || found.removed() ? null : found;
			PendingWrite result = function.apply( id, old );
			if ( result == old ) {
				return result;
			}
			if ( result != null && !( result.id == id || result.id.equals( id ) ) ) {
				throw new IllegalArgumentException( "the pending write of " + result.id + " stored as that of " + id );
			}
			if ( segment.changes != changes ) {
				// the function changed other ids of this segment (the table may have been rebuilt)
				index = segment.indexOf( id, hash );
				PendingWrite now = index < 0 ? null : (PendingWrite) segment.table[index];
				if ( ( now == null || now.removed() ? null : now ) != old ) {
					throw new IllegalStateException( "the pending write of " + id + " changed inside its own compute" );
				}
				found = now;
			}
			store( segment, hash, index, found, old, result );
			return result;
		}
	}

	/**
	 * As {@link #computeIfPresent} for the id of {@code expected}, applying the function only while {@code expected}
	 * is still the id's write (it is not {@link PendingWrite#removed}: a write leaves the map only marked so); when
	 * it is not, nothing happens and {@code null} is returned, as if the function had left another write alone. For a
	 * caller that holds the write (the flusher): the table is probed only if the function removes or replaces it.
	 */
	PendingWrite computeIfCurrent(PendingWrite expected, BiFunction<Object, PendingWrite, PendingWrite> function) {
		Object id = expected.id;
		int hash = hash( id );
		Segment segment = segmentFor( hash );
		synchronized ( segment ) {
			if ( expected.removed() ) {
				return null;
			}
			PendingWrite result = function.apply( id, expected );
			if ( result == expected ) {
				return result;
			}
			if ( result == null ) {
				// removed where it is: no probe
				segment.removed( expected );
				return null;
			}
			if ( !( result.id == id || result.id.equals( id ) ) ) {
				throw new IllegalArgumentException( "the pending write of " + result.id + " stored as that of " + id );
			}
			int index = segment.indexOfWrite( expected, hash );
			if ( index < 0 ) {
				throw new IllegalStateException( "the pending write of " + id + " is not in the map but not marked removed" );
			}
			store( segment, hash, index, expected, expected, result );
			return result;
		}
	}

	/**
	 * Under the segment's monitor: replaces the id's live write {@code old} ({@code null}: none) by {@code result}
	 * ({@code null}: none); {@code found} is what the id's slot {@code index} holds ({@code old}, or a removed write of
	 * the id, or {@code null} with {@code index} -1 when the id has no slot). A write that leaves the map is marked
	 * {@link PendingWrite#removed} here too, and stays in its slot as its removal mark.
	 */
	private static void store(Segment segment, int hash, int index, PendingWrite found, PendingWrite old,
			PendingWrite result) {
		if ( old == null ) {
			if ( found == null ) {
				segment.insert( result, hash );
			}
			else {
				// the id's removed write gives its slot back
				segment.changes++;
				SLOT.setRelease( segment.table, index, result );
				segment.size = segment.size + 1;
			}
			return;
		}
		if ( result == null ) {
			segment.removed( old );
			return;
		}
		old.removed( true );
		segment.changes++;
		SLOT.setRelease( segment.table, index, result );
	}

	/**
	 * As {@code ConcurrentHashMap.computeIfPresent}. Always under the lock, never from a lock-free read first: a write
	 * being stored by a compute running now (which may already have queued it) must be waited for, as
	 * {@code ConcurrentHashMap} waits for its bin.
	 */
	PendingWrite computeIfPresent(Object id, BiFunction<Object, PendingWrite, PendingWrite> function) {
		return compute( id, (key, write) -> write == null ? null : function.apply( key, write ) );
	}

	/** As {@code ConcurrentHashMap.computeIfAbsent}, under the lock (see {@link #computeIfPresent}). */
	PendingWrite computeIfAbsent(Object id, Function<Object, PendingWrite> function) {
		return compute( id, (key, write) -> write != null ? write : function.apply( key ) );
	}

	/** The number of pending writes (exact when no change runs). */
	int size() {
		int size = 0;
		for ( Segment segment : segments ) {
			size += segment.size;
		}
		return size;
	}

	/** The pending writes, weakly consistent (see the class comment). */
	Stream<PendingWrite> values() {
		return Stream.of( segments ).flatMap( segment -> {
			Object[] table = segment.table;
			return IntStream.range( 0, table.length ).mapToObj( i -> SLOT.getAcquire( table, i ) )
					.filter( slot -> slot != null && !( (PendingWrite) slot ).removedAcquire() )
					.map( PendingWrite.class::cast );
		} );
	}

	/** The ids of the pending writes, weakly consistent. */
	Stream<Object> keys() {
		return values().map( write -> write.id );
	}

	/**
	 * Shrinks the tables left sparse by removals (fewer than an eighth of their slots live, and not emptied: an emptied
	 * table is replaced at once) and drops their removed writes, which keep their states reachable until then. Called
	 * by a flusher thread when its partition has nothing queued; any thread may call it.
	 */
	void trim() {
		for ( Segment segment : segments ) {
			if ( segment.sparse ) {
				synchronized ( segment ) {
					segment.trim();
				}
			}
		}
	}

	/** Test seam: the slots of every segment's table (empty, removed writes and live ones), for the memory check. */
	int capacity() {
		int capacity = 0;
		for ( Segment segment : segments ) {
			capacity += segment.table.length;
		}
		return capacity;
	}

	/** One segment: its table and counts, changed under its monitor. */
	private static final class Segment {
		/** Replaced (never changed afterwards) when rebuilt; slots written with release. */
		volatile Object[] table = new Object[MIN_CAPACITY];
		/** Writes in the table (volatile for {@link PendingMap#size}). */
		volatile int size;
		/** Slots that are not empty: writes and removed marks. */
		int used;
		/** Incremented by every change, to tell a compute that its function changed the segment. */
		int changes;
		/**
		 * Fewer than an eighth of the table's slots hold live writes: to be shrunk by the next {@link #trim} (written
		 * under the monitor, read without it by {@link PendingMap#trim}).
		 */
		volatile boolean sparse;

		/** Under the monitor: the slot of the id's write, or -1. */
		int indexOf(Object id, int hash) {
			Object[] t = table;
			int mask = t.length - 1;
			for ( int i = hash & mask; ; i = ( i + 1 ) & mask ) {
				Object slot = t[i];
				if ( slot == null ) {
					return -1;
				}
				if ( matches( slot, id ) ) {
					return i;
				}
			}
		}

		/**
		 * Under the monitor: the slot that holds {@code write}, or -1; by identity, so that the probe reads only the
		 * table's slots, not the writes (and ids) in them.
		 */
		int indexOfWrite(PendingWrite write, int hash) {
			Object[] t = table;
			int mask = t.length - 1;
			for ( int i = hash & mask; ; i = ( i + 1 ) & mask ) {
				Object slot = t[i];
				if ( slot == write ) {
					return i;
				}
				if ( slot == null ) {
					return -1;
				}
			}
		}

		/** Under the monitor: stores a write whose id is not in the table. */
		void insert(PendingWrite write, int hash) {
			changes++;
			if ( ( used + 1 ) * 4 > table.length * 3 ) {
				rebuild( size + 1 );
			}
			Object[] t = table;
			int mask = t.length - 1;
			int i = hash & mask;
			// the first slot without a live write: empty, or a removed write of another id (which, having no slot of
			// its own now, is absent as before)
			while ( !free( t[i] ) ) {
				i = ( i + 1 ) & mask;
			}
			if ( t[i] == null ) {
				used++;
			}
			SLOT.setRelease( t, i, write );
			size = size + 1;
		}

		/**
		 * Under the monitor: the live write {@code write} leaves the table. It is marked removed and stays in its slot
		 * as the mark of its removal (a probe for an id stored further on goes on past it), so no probe is needed.
		 */
		void removed(PendingWrite write) {
			changes++;
			write.removed( true );
			int live = size - 1;
			size = live;
			Object[] t = table;
			if ( t.length > MIN_CAPACITY ) {
				if ( live == 0 ) {
					// emptied (a drain): a new small table, without reading the removed writes of the old one
					used = 0;
					sparse = false;
					table = new Object[MIN_CAPACITY];
				}
				else if ( live * 8 < t.length && !sparse ) {
					// shrunk later, by the flusher when it has nothing to do (trim), unless the segment empties
					// first: a drain passes here on its way to empty, and a rebuild now would read every removed write
					sparse = true;
				}
			}
		}

		/** Under the monitor: shrinks the table if it is still sparse. */
		void trim() {
			if ( sparse ) {
				sparse = false;
				if ( size * 8 < table.length && table.length > MIN_CAPACITY ) {
					changes++;
					rebuild( size );
				}
			}
		}

		/**
		 * Under the monitor: a new table for {@code live} writes (at most half full), without removed marks; published
		 * once complete. Grown when three quarters of the slots are used, shrunk below an eighth.
		 */
		private void rebuild(int live) {
			int capacity = MIN_CAPACITY;
			while ( capacity < live * 2 ) {
				capacity <<= 1;
			}
			Object[] old = table;
			Object[] t = new Object[capacity];
			int mask = capacity - 1;
			int count = 0;
			for ( Object slot : old ) {
				if ( !free( slot ) ) {
					int i = hash( ( (PendingWrite) slot ).id ) & mask;
					while ( t[i] != null ) {
						i = ( i + 1 ) & mask;
					}
					t[i] = slot;
					count++;
				}
			}
			used = count;
			sparse = false;
			table = t; // volatile: the table's slots are visible with it
		}
	}
}
