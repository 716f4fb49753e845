package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

import io.writebehind.model.Counter;

/**
 * A committed write of a clean, cached id turns it into a pending write; readers of the id at that very moment must
 * find the one or the other, never neither (which would send them to the database: a read that fails while the
 * database is down, although the cache knew the entity). One writer commits and flushes one id over and over (each
 * commit turns the clean entry into a pending write, each flush back), readers find it meanwhile; the cache must
 * answer every read.
 */
class CacheVisibilityRaceTest extends ConcurrencyTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Test
	void aCachedIdBeingWrittenIsAlwaysFoundByReaders() {
		transaction( em -> em.persist( new Counter( 1L, "hot", 0 ) ) );
		writeBehind().flush();
		long missesBefore = writeBehind().stats().cacheMisses();
		AtomicBoolean stop = new AtomicBoolean();
		LongAdder reads = new LongAdder();
		int rounds = 3_000;
		runConcurrently( "visibility", 4, Duration.ofSeconds( 120 ), t -> {
			if ( t == 0 ) {
				try {
					for ( int i = 0; i < rounds; i++ ) {
						transaction( em -> em.find( Counter.class, 1L ).increment() );
						writeBehind().flush();
					}
				}
				finally {
					stop.set( true );
				}
				return;
			}
			while ( !stop.get() ) {
				transaction( em -> em.find( Counter.class, 1L ) );
				reads.increment();
			}
		} );
		assertTrue( reads.sum() > rounds, "readers ran alongside: " + reads.sum() );
		assertEquals( 0, writeBehind().stats().cacheMisses() - missesBefore, "reads that found neither the pending "
				+ "write nor the clean entry, of " + reads.sum() + " reads during " + rounds + " write-and-flush rounds" );
		assertEquals( rounds, count( "select total from wb_counter where id = 1" ) );
	}
}
