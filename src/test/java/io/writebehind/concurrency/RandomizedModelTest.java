package io.writebehind.concurrency;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;

/**
 * Issue point 2: the randomized model test (see {@link RandomizedModelSupport}) on disjoint id ranges (with one and
 * with three flusher threads) and on shared ids.
 */
class RandomizedModelTest extends RandomizedModelSupport {

	@Test
	void disjointIdRanges() {
		run( 10, Sharing.DISJOINT, 40 );
	}

	@Test
	void disjointIdRangesWithThreeFlusherThreads() {
		reopen( Map.of( WriteBehindSettings.FLUSHER_THREADS, "3" ) );
		run( 6, Sharing.DISJOINT, 40 );
	}

	@Test
	void sharedIds() {
		run( 10, Sharing.SHARED, 60 );
	}

	@Test
	void sharedIdsWithThreeFlusherThreads() {
		reopen( Map.of( WriteBehindSettings.FLUSHER_THREADS, "3" ) );
		run( 6, Sharing.SHARED, 60 );
	}
}
