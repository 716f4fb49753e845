package io.writebehind.internal.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * The region's pending map (its entries are the pending writes): the semantics of {@code ConcurrentHashMap}'s
 * compute/get against a model, with colliding hashes, growth, shrinking and removed marks; and under many threads:
 * computes of one id are atomic, a lock-free read never misses a write that is in the map for the whole read (also
 * while tables are rebuilt), never finds an id that was never stored, and a stream sees each stable write once.
 */
class PendingMapTest {

	/** An id whose hash collides with many others (64 hashes for all ids), to exercise probing and removed marks. */
	record Colliding(int value) {
		@Override
		public int hashCode() {
			return value % 64;
		}
	}

	private static PendingWrite write(Object id) {
		return new PendingWrite( null, id, false, null );
	}

	private static PendingWrite put(PendingMap map, Object id) {
		PendingWrite write = write( id );
		map.compute( id, (key, old) -> write );
		return write;
	}

	@Test
	void behavesAsAMapAgainstAModel() {
		Random random = new Random( 16 );
		for ( int round = 0; round < 20; round++ ) {
			PendingMap map = new PendingMap();
			Map<Object, PendingWrite> model = new HashMap<>();
			int keys = round % 2 == 0 ? 64 : 5_000;
			for ( int op = 0; op < 60_000; op++ ) {
				int k = random.nextInt( keys );
				Object id = round % 4 < 2 ? (Object) (long) k : new Colliding( k );
				int what = random.nextInt( 10 );
				// phases: mostly inserts, then mostly removes (shrinking), then mixed
				int phase = op / 20_000;
				boolean remove = phase == 1 ? what < 7 : phase == 0 ? what < 2 : what < 4;
				if ( what == 9 ) {
					assertSame( model.get( id ), map.get( id ), "get " + id );
					assertEquals( model.containsKey( id ), map.containsKey( id ) );
					if ( random.nextInt( 50 ) == 0 ) {
						map.trim(); // the flusher's shrink of sparse tables, at any moment
					}
				}
				else if ( remove ) {
					PendingWrite old = model.remove( id );
					PendingWrite result = map.computeIfPresent( id, (key, w) -> {
						assertSame( old, w );
						return null;
					} );
					assertNull( result );
				}
				else if ( what == 8 ) {
					// replace (or insert) with a new write object
					PendingWrite replacement = write( id );
					model.put( id, replacement );
					map.compute( id, (key, w) -> replacement );
				}
				else {
					PendingWrite fresh = write( id );
					PendingWrite expected = model.computeIfAbsent( id, key -> fresh );
					assertSame( expected, map.computeIfAbsent( id, key -> fresh ) );
				}
				assertEquals( model.size(), map.size() );
			}
			for ( int k = 0; k < keys; k++ ) {
				Object id = round % 4 < 2 ? (Object) (long) k : new Colliding( k );
				assertSame( model.get( id ), map.get( id ) );
			}
			Set<PendingWrite> streamed = new HashSet<>( map.values().toList() );
			assertEquals( new HashSet<>( model.values() ), streamed );
			assertEquals( model.keySet(), new HashSet<>( map.keys().toList() ) );
		}
	}

	@Test
	void computeIfCurrentAppliesOnlyWhileTheWriteIsTheIdsAgainstAModel() {
		Random random = new Random( 17 );
		for ( int round = 0; round < 8; round++ ) {
			PendingMap map = new PendingMap();
			Map<Object, PendingWrite> model = new HashMap<>();
			List<PendingWrite> ever = new ArrayList<>();
			int keys = round % 2 == 0 ? 64 : 3_000;
			for ( int op = 0; op < 40_000; op++ ) {
				int k = random.nextInt( keys );
				Object id = round % 4 < 2 ? (Object) (long) k : new Colliding( k );
				int what = random.nextInt( 10 );
				if ( what < 4 || ever.isEmpty() ) {
					PendingWrite fresh = write( id );
					if ( model.putIfAbsent( id, fresh ) == null ) {
						ever.add( fresh );
					}
					map.computeIfAbsent( id, key -> fresh );
				}
				else if ( what == 4 ) {
					PendingWrite old = model.remove( id );
					map.computeIfPresent( id, (key, w) -> null );
					assertTrue( old == null || old.removed(), "a write removed by computeIfPresent is marked removed" );
				}
				else {
					// a write held since some time: still the id's, or removed or replaced since
					PendingWrite held = ever.get( random.nextInt( ever.size() ) );
					boolean current = model.get( held.id ) == held;
					assertEquals( !current, held.removed(), "removed() of " + held.id );
					int change = random.nextInt( 3 );
					PendingWrite replacement = write( held.id );
					boolean[] applied = { false };
					PendingWrite result = map.computeIfCurrent( held, (key, w) -> {
						assertSame( held, w );
						applied[0] = true;
						return change == 0 ? w : change == 1 ? null : replacement;
					} );
					assertEquals( current, applied[0], "applied to the write of " + held.id );
					if ( !current ) {
						assertNull( result );
					}
					else if ( change == 0 ) {
						assertSame( held, result );
					}
					else if ( change == 1 ) {
						assertNull( result );
						model.remove( held.id );
						assertTrue( held.removed() );
					}
					else {
						assertSame( replacement, result );
						model.put( held.id, replacement );
						ever.add( replacement );
						assertTrue( held.removed(), "a replaced write is marked removed" );
					}
				}
				assertEquals( model.size(), map.size() );
			}
			for ( Map.Entry<Object, PendingWrite> entry : model.entrySet() ) {
				assertSame( entry.getValue(), map.get( entry.getKey() ) );
			}
		}
	}

	@Test
	void aRemovedWriteStaysInItsSlotAsItsMarkUntilItsIdOrAnInsertTakesIt() {
		for ( boolean colliding : new boolean[] { false, true } ) {
			PendingMap map = new PendingMap();
			List<PendingWrite> writes = new ArrayList<>();
			for ( int i = 0; i < 40; i++ ) {
				writes.add( put( map, id( colliding, i ) ) );
			}
			int capacity = map.capacity();
			// removed without a probe: absent for every read, counted out, still probed past
			for ( int i = 0; i < 40; i += 2 ) {
				PendingWrite write = writes.get( i );
				assertNull( map.computeIfCurrent( write, (key, w) -> null ) );
				assertTrue( write.removed() );
				assertNull( map.get( write.id ) );
				assertNull( map.computeIfCurrent( write, (key, w) -> {
					throw new AssertionError( "applied to a removed write" );
				} ) );
			}
			assertEquals( 20, map.size() );
			for ( int i = 1; i < 40; i += 2 ) {
				assertSame( writes.get( i ), map.get( id( colliding, i ) ), "found past the removed writes" );
			}
			assertEquals( 20, map.values().count() );
			assertTrue( map.values().noneMatch( PendingWrite::removed ) );
			// a compute of a removed id sees no write, and its new write takes the id's slot again
			for ( int i = 0; i < 40; i += 2 ) {
				Object id = id( colliding, i );
				assertNull( map.computeIfPresent( id, (key, w) -> {
					throw new AssertionError( "a removed write passed to a compute" );
				} ) );
				PendingWrite again = put( map, id );
				assertSame( again, map.get( id ) );
			}
			assertEquals( 40, map.size() );
			assertEquals( capacity, map.capacity(), "the removed writes' slots were taken again" );
			for ( int i = 0; i < 40; i++ ) {
				Object id = id( colliding, i );
				assertEquals( List.of( map.get( id ) ), map.values().filter( w -> w.id.equals( id ) ).toList(),
						"one write of " + id + " streamed" );
			}
		}
	}

	@Test
	void shrinksAfterADrainAndGrowsAgain() {
		PendingMap map = new PendingMap();
		int initial = map.capacity();
		for ( long id = 0; id < 100_000; id++ ) {
			put( map, id );
		}
		assertEquals( 100_000, map.size() );
		assertTrue( map.capacity() <= 4 * 100_000, "at most half empty after growth: " + map.capacity() );
		for ( long id = 0; id < 100_000; id++ ) {
			long key = id;
			map.computeIfPresent( key, (k, w) -> null );
		}
		assertEquals( 0, map.size() );
		assertTrue( map.capacity() <= 2 * initial, "shrunk after the drain: " + map.capacity() );
		for ( long id = 0; id < 1_000; id++ ) {
			put( map, id );
		}
		for ( long id = 0; id < 1_000; id++ ) {
			assertEquals( id, map.get( id ).id );
		}
	}

	@Test
	void anEmptiedTableIsReplacedAtOnceAndASparseOneShrunkByTrim() {
		PendingMap map = new PendingMap();
		int initial = map.capacity();
		for ( long id = 0; id < 100_000; id++ ) {
			put( map, id );
		}
		int grown = map.capacity();
		// down to 1,000: sparse, but not rebuilt on the way down (that would read every removed write)
		for ( long id = 1_000; id < 100_000; id++ ) {
			long key = id;
			map.computeIfPresent( key, (k, w) -> null );
		}
		assertEquals( 1_000, map.size() );
		assertEquals( grown, map.capacity() );
		map.trim();
		assertTrue( map.capacity() <= 4 * 1_000 + initial, "shrunk by trim: " + map.capacity() );
		for ( long id = 0; id < 100_000; id++ ) {
			PendingWrite write = map.get( id );
			if ( id < 1_000 ) {
				assertEquals( id, write.id );
			}
			else {
				assertNull( write, "removed " + id );
			}
		}
		// emptied: back to the initial tables without a trim
		for ( long id = 0; id < 1_000; id++ ) {
			long key = id;
			map.computeIfCurrent( map.get( key ), (k, w) -> null );
		}
		assertEquals( 0, map.size() );
		assertEquals( initial, map.capacity() );
		assertEquals( 0, map.values().count() );
		map.trim();
		assertEquals( initial, map.capacity() );
	}

	@Test
	void aComputeWhoseFunctionChangesTheSameSegmentKeepsItsResult() {
		PendingMap map = new PendingMap();
		PendingWrite mine = write( new Colliding( 0 ) );
		// every Colliding id is in one segment (same hash): the function's inserts rebuild the table under it
		map.compute( new Colliding( 0 ), (key, old) -> {
			for ( int i = 1; i < 2_000; i++ ) {
				put( map, new Colliding( i ) );
			}
			for ( int i = 1; i < 1_000; i++ ) {
				map.computeIfPresent( new Colliding( i ), (k, w) -> null );
			}
			return mine;
		} );
		assertSame( mine, map.get( new Colliding( 0 ) ) );
		assertEquals( 1_001, map.size() );
		// a function that changes the segment and removes its own write: the write leaves (marked removed by the map),
		// the others stay
		assertNull( map.compute( new Colliding( 0 ), (key, old) -> {
			assertSame( mine, old );
			for ( int i = 2_000; i < 3_000; i++ ) {
				put( map, new Colliding( i ) );
			}
			return null;
		} ) );
		assertTrue( mine.removed() );
		assertNull( map.get( new Colliding( 0 ) ) );
		assertEquals( 2_000, map.size() );
		// and one that changes the segment where the id has only a removed write: the new write is stored once
		PendingWrite again = write( new Colliding( 0 ) );
		assertSame( again, map.compute( new Colliding( 0 ), (key, old) -> {
			assertNull( old );
			for ( int i = 2_000; i < 2_500; i++ ) {
				map.computeIfPresent( new Colliding( i ), (k, w) -> null );
			}
			for ( int i = 3_000; i < 3_100; i++ ) {
				put( map, new Colliding( i ) );
			}
			return again;
		} ) );
		assertSame( again, map.get( new Colliding( 0 ) ) );
		assertEquals( 1, map.values().filter( w -> w.id.equals( new Colliding( 0 ) ) ).count() );
		assertEquals( 1_601, map.size() );
		assertThrows( IllegalStateException.class, () -> map.compute( new Colliding( 0 ), (key, old) -> {
			map.computeIfPresent( new Colliding( 0 ), (k, w) -> null );
			return write( key );
		} ), "its own id changed inside the compute" );
		assertThrows( IllegalArgumentException.class, () -> map.compute( 5L, (key, old) -> write( 6L ) ) );
		assertNull( map.get( 5L ) );
	}

	@Test
	void aComputeIfPresentWaitsForAWriteBeingStored() throws InterruptedException {
		// the flusher may take a write from the queue while the commit that queued it is still inside its compute: its
		// computeIfPresent must wait for that compute and see the write (as ConcurrentHashMap's does), not miss it
		PendingMap map = new PendingMap();
		PendingWrite stored = write( 42L );
		List<PendingWrite> seenByOther = new ArrayList<>();
		Thread[] other = new Thread[1];
		map.compute( 42L, (key, old) -> {
			other[0] = new Thread( () -> map.computeIfPresent( 42L, (k, w) -> {
				seenByOther.add( w );
				return w;
			} ) );
			other[0].start();
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos( 30 );
			while ( other[0].getState() != Thread.State.BLOCKED ) {
				if ( System.nanoTime() - deadline > 0 ) {
					throw new AssertionError( "the other thread did not wait for the compute: " + other[0].getState() );
				}
				Thread.onSpinWait();
			}
			return stored;
		} );
		other[0].join( TimeUnit.SECONDS.toMillis( 30 ) );
		assertEquals( List.of( stored ), seenByOther );
	}

	@Test
	void concurrentComputesReadsAndStreams() throws InterruptedException {
		int writers = 6;
		int readers = 3;
		int stable = 1_000;
		for ( int keyKind = 0; keyKind < 2; keyKind++ ) {
			boolean colliding = keyKind == 1;
			int churnPerWriter = colliding ? 100 : 3_000;
			int iterations = colliding ? 40_000 : 150_000;
			PendingMap map = new PendingMap();
			// stable ids: present for the whole test, at ids interleaved with the churned ones
			Map<Object, PendingWrite> stableWrites = new HashMap<>();
			for ( int i = 0; i < stable; i++ ) {
				Object id = id( colliding, i * 10 );
				stableWrites.put( id, put( map, id ) );
			}
			// shared counters: every writer increments them through compute
			int sharedIds = 16;
			AtomicBoolean done = new AtomicBoolean();
			ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
			CountDownLatch start = new CountDownLatch( 1 );
			List<Thread> threads = new ArrayList<>();
			AtomicLong readsChecked = new AtomicLong();
			for ( int t = 0; t < writers; t++ ) {
				int writer = t;
				threads.add( new Thread( () -> {
					try {
						start.await();
						Random random = new Random( writer );
						for ( int i = 0; i < iterations; i++ ) {
							// churn of this writer's own ids (ending in 1 to 8: 0 are the stable ones, 9 never stored)
							int n = random.nextInt( churnPerWriter );
							Object id = id( colliding, ( writer * churnPerWriter + n ) * 10 + 1 + random.nextInt( 8 ) );
							switch ( random.nextInt( 4 ) ) {
								case 0, 1 -> map.computeIfAbsent( id, PendingMapTest::write );
								case 2 -> map.computeIfPresent( id, (key, w) -> null );
								default -> map.compute( id, (key, w) -> w == null ? null : write( key ) );
							}
							if ( i % 16 == 0 ) {
								Object shared = id( colliding, -1 - ( i / 16 ) % sharedIds );
								PendingWrite held = map.get( shared );
								// the flusher's way (the write it holds, no probe) and the committers' way, mixed
								if ( held == null || i % 32 != 0 || map.computeIfCurrent( held, (key, w) -> {
									if ( w != held ) {
										throw new AssertionError( "computeIfCurrent applied to another write" );
									}
									w.seq++;
									return w;
								} ) == null ) {
									map.compute( shared, (key, w) -> {
										PendingWrite counter = w == null ? write( key ) : w;
										counter.seq++;
										return counter;
									} );
								}
							}
							if ( i % 7 == 0 ) {
								// a write of this writer's own ids, held and then changed by computeIfCurrent: applied
								// only while it is the id's write; a removed one is marked so
								PendingWrite held = map.get( id );
								if ( held != null ) {
									boolean remove = random.nextBoolean();
									PendingWrite after = map.computeIfCurrent( held, (key, w) -> remove ? null : w );
									if ( after != null && ( remove || after != held ) ) {
										throw new AssertionError( "computeIfCurrent returned " + after );
									}
									if ( remove && ( !held.removed() || map.get( id ) == held ) ) {
										throw new AssertionError( "a write removed by computeIfCurrent is still there" );
									}
								}
							}
						}
					}
					catch (Throwable e) {
						failures.add( e );
					}
				}, "writer-" + t ) );
			}
			for ( int t = 0; t < readers; t++ ) {
				int reader = t;
				threads.add( new Thread( () -> {
					try {
						start.await();
						Random random = new Random( 100 + reader );
						while ( !done.get() ) {
							int i = random.nextInt( stable );
							Object id = id( colliding, i * 10 );
							PendingWrite found = map.get( id );
							if ( found != stableWrites.get( id ) ) {
								throw new AssertionError( "stable id " + id + " read as " + found );
							}
							Object never = id( colliding, random.nextInt( writers * churnPerWriter ) * 10 + 9 );
							if ( map.get( never ) != null ) {
								throw new AssertionError( "id " + never + " was never stored" );
							}
							if ( random.nextInt( 500 ) == 0 ) {
								Map<Object, Integer> seen = new HashMap<>();
								map.values().forEach( w -> {
									if ( stableWrites.get( w.id ) == w ) {
										seen.merge( w.id, 1, Integer::sum );
									}
								} );
								if ( seen.size() != stable || seen.values().stream().anyMatch( c -> c != 1 ) ) {
									throw new AssertionError( "a stream saw " + seen.size() + " of " + stable
											+ " stable writes, or one of them twice" );
								}
							}
							if ( reader == 0 && random.nextInt( 100 ) == 0 ) {
								map.trim(); // as a flusher thread does when idle, racing the computes and reads
							}
							readsChecked.incrementAndGet();
						}
					}
					catch (Throwable e) {
						failures.add( e );
					}
				}, "reader-" + t ) );
			}
			threads.forEach( Thread::start );
			start.countDown();
			for ( int t = 0; t < writers; t++ ) {
				threads.get( t ).join( TimeUnit.MINUTES.toMillis( 5 ) );
			}
			done.set( true );
			for ( Thread thread : threads ) {
				thread.join( TimeUnit.MINUTES.toMillis( 1 ) );
				assertTrue( !thread.isAlive(), thread.getName() + " still running" );
			}
			if ( !failures.isEmpty() ) {
				AssertionError error = new AssertionError( failures.size() + " failures; first: " + failures.peek() );
				failures.forEach( error::addSuppressed );
				throw error;
			}
			assertTrue( readsChecked.get() > 0 );
			long increments = 0;
			for ( int s = 0; s < sharedIds; s++ ) {
				increments += map.get( id( colliding, -1 - s ) ).seq;
			}
			assertEquals( (long) writers * ( ( iterations + 15 ) / 16 ), increments, "every compute applied once" );
			for ( Map.Entry<Object, PendingWrite> entry : stableWrites.entrySet() ) {
				assertSame( entry.getValue(), map.get( entry.getKey() ) );
			}
			long streamed = map.values().count();
			assertEquals( map.size(), streamed );
		}
	}

	private static Object id(boolean colliding, int value) {
		return colliding ? new Colliding( value ) : (Object) (long) value;
	}
}
