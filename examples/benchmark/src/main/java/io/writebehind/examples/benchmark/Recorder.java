package io.writebehind.examples.benchmark;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Latencies in nanoseconds: each thread records into a {@link Recorder} of its own (no sharing), and {@link #merge}
 * sums them up as percentiles in microseconds.
 */
public final class Recorder {

	private long[] values = new long[1 << 14];
	private int size;

	public void record(long nanos) {
		if ( size == values.length ) {
			values = Arrays.copyOf( values, size * 2 );
		}
		values[size++] = nanos;
	}

	public int size() {
		return size;
	}

	/** The percentiles of several recorders together. */
	public record Summary(int count, double p50, double p90, double p99, double p999, double max, double mean) {
		public Map<String, Object> json() {
			Map<String, Object> m = new LinkedHashMap<>();
			m.put( "count", count );
			m.put( "p50Micros", p50 );
			m.put( "p90Micros", p90 );
			m.put( "p99Micros", p99 );
			m.put( "p999Micros", p999 );
			m.put( "maxMicros", max );
			m.put( "meanMicros", mean );
			return m;
		}

		/** Every figure divided by {@code n} (the per-entity share of a transaction that writes n entities). */
		public Summary per(int n) {
			return new Summary( count, p50 / n, p90 / n, p99 / n, p999 / n, max / n, mean / n );
		}
	}

	public static Summary merge(List<Recorder> recorders) {
		int n = 0;
		for ( Recorder r : recorders ) {
			n += r.size;
		}
		long[] all = new long[n];
		int at = 0;
		double sum = 0;
		for ( Recorder r : recorders ) {
			System.arraycopy( r.values, 0, all, at, r.size );
			at += r.size;
		}
		for ( long v : all ) {
			sum += v;
		}
		Arrays.sort( all );
		return new Summary( n, at( all, 0.50 ), at( all, 0.90 ), at( all, 0.99 ), at( all, 0.999 ),
				n == 0 ? 0 : all[n - 1] / 1_000.0, n == 0 ? 0 : sum / n / 1_000.0 );
	}

	private static double at(long[] sorted, double q) {
		if ( sorted.length == 0 ) {
			return 0;
		}
		int index = (int) Math.ceil( q * sorted.length ) - 1;
		return sorted[Math.max( 0, Math.min( sorted.length - 1, index ) )] / 1_000.0;
	}
}
