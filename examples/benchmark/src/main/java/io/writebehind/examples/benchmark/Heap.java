package io.writebehind.examples.benchmark;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/** Heap measurements through {@link MemoryMXBean}. */
final class Heap {

	private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

	private Heap() {
	}

	/** Used heap now, garbage included. */
	static long used() {
		return MEMORY.getHeapMemoryUsage().getUsed();
	}

	/**
	 * Used heap after full collections: {@code System.gc()} (a full, compacting collection with the JVM's default
	 * collectors) until two readings agree within 0.5% (at most 6 times).
	 */
	static long usedAfterGc() {
		long previous = Long.MAX_VALUE;
		long now = 0;
		for ( int i = 0; i < 6; i++ ) {
			System.gc();
			try {
				Thread.sleep( 50 );
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				break;
			}
			now = used();
			if ( Math.abs( now - previous ) < now / 200 ) {
				break;
			}
			previous = now;
		}
		return now;
	}

	static long max() {
		return MEMORY.getHeapMemoryUsage().getMax();
	}
}
