package io.writebehind.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * The flusher marks a run of written rows clean inside {@link EntityCache#marking}: Caffeine's maintenance then runs
 * once every few dozen puts instead of after each. The size bound must hold again as soon as the run returns, the
 * overshoot during the run stays within those few dozen entries, and the deferral never strands other threads'
 * writes (a later write still runs the maintenance and restores the bound).
 */
class EntityCacheMarkingTest {

	private static final Object REGION = new Object();
	private static final int MAX = 10;
	/** EntityCache.MAINTAIN_EVERY: puts between two maintenance runs while marking. */
	private static final int EVERY = 64;

	private static EntitySnapshot state(long id) {
		return EntityState.restore( new java.io.Serializable[] { "v" + id }, "Item", 1L );
	}

	@Test
	void theBoundHoldsWhenTheRunReturnsAndTheOvershootStaysSmall() {
		EntityCache cache = new EntityCache( MAX );
		long[] largest = new long[1];
		cache.marking( () -> {
			for ( long id = 0; id < 1_000; id++ ) {
				cache.put( REGION, id, state( id ) );
				largest[0] = Math.max( largest[0], cache.size() );
			}
		} );
		assertTrue( cache.size() <= MAX, "size after the run: " + cache.size() );
		assertTrue( largest[0] <= MAX + EVERY, "largest size during the run: " + largest[0] );
		// eviction ran during the run (not only at its end): the first ids are long gone, a recent one is there
		assertTrue( largest[0] > MAX, "the run did defer the maintenance (largest size " + largest[0] + ")" );
		assertNull( cache.get( REGION, 0L ) );
	}

	@Test
	void outsideARunEveryPutKeepsTheBound() {
		EntityCache cache = new EntityCache( MAX );
		for ( long id = 0; id < 1_000; id++ ) {
			cache.put( REGION, id, state( id ) );
			assertTrue( cache.size() <= MAX, "size after put " + id + ": " + cache.size() );
		}
	}

	@Test
	void aFailingRunStillRestoresTheBound() {
		EntityCache cache = new EntityCache( MAX );
		RuntimeException failure = new IllegalStateException( "a marking that throws" );
		try {
			cache.marking( () -> {
				for ( long id = 0; id < 50; id++ ) {
					cache.put( REGION, id, state( id ) );
				}
				throw failure;
			} );
		}
		catch (IllegalStateException e) {
			assertEquals( failure, e );
		}
		assertTrue( cache.size() <= MAX, "size after the failed run: " + cache.size() );
		// and the thread is no longer marking: its next put is maintained at once (the cache is full, so a deferred
		// maintenance would leave it one above the bound; Caffeine may evict the new entry itself, a cold one)
		assertEquals( MAX, cache.size() );
		cache.put( REGION, 1_000L, state( 1_000 ) );
		assertTrue( cache.size() <= MAX, "size after the next put: " + cache.size() );
	}

	@Test
	void runsOnSeveralThreadsBesideOrdinaryWritersLeaveTheBoundAndTheEntries() throws Exception {
		for ( int iteration = 0; iteration < 30; iteration++ ) {
			EntityCache cache = new EntityCache( 500 );
			int threads = 8;
			CyclicBarrier start = new CyclicBarrier( threads );
			AtomicReference<Throwable> failure = new AtomicReference<>();
			List<Thread> all = new ArrayList<>();
			for ( int t = 0; t < threads; t++ ) {
				long base = t * 1_000_000L;
				boolean marks = t % 2 == 0;
				Thread thread = new Thread( () -> {
					try {
						start.await();
						for ( int run = 0; run < 20; run++ ) {
							long from = base + run * 100L;
							Runnable puts = () -> {
								for ( long id = from; id < from + 100; id++ ) {
									cache.put( REGION, id, state( id ) );
									if ( id % 7 == 0 ) {
										cache.invalidate( REGION, id - 3 );
									}
									cache.get( REGION, id - 1 );
								}
							};
							if ( marks ) {
								cache.marking( puts );
							}
							else {
								puts.run();
							}
						}
					}
					catch (Throwable e) {
						failure.compareAndSet( null, e );
					}
				} );
				all.add( thread );
				thread.start();
			}
			for ( Thread thread : all ) {
				thread.join( 60_000 );
				assertTrue( !thread.isAlive(), "a writer thread hung" );
			}
			if ( failure.get() != null ) {
				throw new AssertionError( failure.get() );
			}
			// one more ordinary write: whatever the threads left in Caffeine's buffers is maintained by it
			cache.put( REGION, -1L, state( -1 ) );
			// (not whether -1 is cached: in a full cache Caffeine's admission may evict a new, cold entry at once)
			assertTrue( cache.size() <= 500, "iteration " + iteration + ": size " + cache.size() );
		}
	}
}
