package io.writebehind.concurrency;

import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.writebehind.WriteBehindSettings;

/**
 * Issue point 2: the randomized model test (see {@link RandomizedModelSupport}) on disjoint id ranges and on shared
 * ids, each with one and with three flusher threads.
 */
class RandomizedModelTest extends RandomizedModelSupport {

	/** sharing, flusher threads, rounds, ids. */
	static Stream<Arguments> matrix() {
		return Stream.of(
				arguments( Sharing.DISJOINT, 1, 10, 40 ),
				arguments( Sharing.DISJOINT, 3, 6, 40 ),
				arguments( Sharing.SHARED, 1, 10, 60 ),
				arguments( Sharing.SHARED, 3, 6, 60 ) );
	}

	@ParameterizedTest(name = "{0}, {1} flusher thread(s), {2} rounds, {3} ids")
	@MethodSource("matrix")
	void theDatabaseEndsAsTheModel(Sharing sharing, int flusherThreads, int rounds, int ids) {
		if ( flusherThreads != 1 ) {
			reopen( Map.of( WriteBehindSettings.FLUSHER_THREADS, Integer.toString( flusherThreads ) ) );
		}
		run( rounds, sharing, ids );
	}
}
