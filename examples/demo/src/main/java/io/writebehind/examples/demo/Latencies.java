package io.writebehind.examples.demo;

import java.util.Arrays;

/** Latencies recorded in nanoseconds by several threads (one array each), summarised as percentiles. */
public final class Latencies {

	private final long[] sorted;

	public Latencies(long[][] perThread, int[] counts) {
		int n = 0;
		for ( int c : counts ) {
			n += c;
		}
		sorted = new long[n];
		int at = 0;
		for ( int t = 0; t < perThread.length; t++ ) {
			System.arraycopy( perThread[t], 0, sorted, at, counts[t] );
			at += counts[t];
		}
		Arrays.sort( sorted );
	}

	public int count() {
		return sorted.length;
	}

	/** The latency at quantile q (0..1), in microseconds. */
	public double percentileMicros(double q) {
		if ( sorted.length == 0 ) {
			return 0;
		}
		int index = (int) Math.ceil( q * sorted.length ) - 1;
		return sorted[Math.max( 0, Math.min( sorted.length - 1, index ) )] / 1_000.0;
	}

	public double meanMicros() {
		if ( sorted.length == 0 ) {
			return 0;
		}
		double sum = 0;
		for ( long v : sorted ) {
			sum += v;
		}
		return sum / sorted.length / 1_000.0;
	}
}
