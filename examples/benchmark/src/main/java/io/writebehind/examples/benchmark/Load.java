package io.writebehind.examples.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.writebehind.examples.support.Progress;

/**
 * Runs an operation from several threads at once, either a number of times or for a time, and records the latency of
 * every operation (per thread, no sharing). An operation that throws {@link Retry} is run again and the retry counted;
 * its latency includes the retries.
 */
public final class Load {

	@FunctionalInterface
	public interface Op {
		/** Runs operation {@code i} of {@code thread}. */
		void run(int thread, long i, SplittableRandom random) throws Retry;
	}

	/** The operation lost a race (an optimistic-lock failure) and is run again. */
	public static final class Retry extends Exception {
		public Retry(Throwable cause) {
			super( cause );
		}
	}

	public record Result(int threads, long operations, double seconds, long retries, Recorder.Summary latency) {
		public double throughput() {
			return seconds == 0 ? 0 : operations / seconds;
		}
	}

	private Load() {
	}

	/** Runs {@code operations} operations shared out between the threads. */
	public static Result count(String label, int threads, long operations, boolean progress, Op op) {
		return run( label, threads, operations, 0, progress, op );
	}

	/** Runs operations until {@code seconds} have passed. */
	public static Result time(String label, int threads, double seconds, boolean progress, Op op) {
		return run( label, threads, Long.MAX_VALUE, (long) ( seconds * 1e9 ), progress, op );
	}

	private static Result run(String label, int threads, long operations, long nanos, boolean progress, Op op) {
		boolean timed = nanos > 0;
		List<Recorder> recorders = new ArrayList<>();
		long[] retries = new long[threads];
		CountDownLatch ready = new CountDownLatch( threads );
		CountDownLatch go = new CountDownLatch( 1 );
		AtomicBoolean stop = new AtomicBoolean();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		long[] startNanos = new long[1];
		List<Thread> workers = new ArrayList<>();
		try ( Progress bar = Progress.start( label, timed ? nanos / 1_000_000 : operations, progress ) ) {
			for ( int t = 0; t < threads; t++ ) {
				int thread = t;
				long share = timed ? Long.MAX_VALUE : operations / threads + ( t < operations % threads ? 1 : 0 );
				Recorder recorder = new Recorder();
				recorders.add( recorder );
				Thread worker = new Thread( () -> {
					SplittableRandom random = new SplittableRandom( 1_000_003L * thread + label.hashCode() );
					ready.countDown();
					try {
						go.await();
						long deadline = startNanos[0] + nanos;
						for ( long i = 0; i < share && !stop.get(); i++ ) {
							long begin = System.nanoTime();
							if ( timed && begin - deadline >= 0 ) {
								break;
							}
							while ( true ) {
								try {
									op.run( thread, i, random );
									break;
								}
								catch (Retry retry) {
									retries[thread]++;
								}
							}
							long end = System.nanoTime();
							recorder.record( end - begin );
							if ( !timed ) {
								bar.step();
							}
							else if ( thread == 0 ) {
								bar.set( ( end - startNanos[0] ) / 1_000_000 );
							}
						}
					}
					catch (Throwable e) {
						failure.compareAndSet( null, e );
						stop.set( true );
					}
				}, "bench-" + t );
				workers.add( worker );
			}
			workers.forEach( Thread::start );
			ready.await();
			startNanos[0] = System.nanoTime();
			go.countDown();
			for ( Thread worker : workers ) {
				worker.join();
			}
			double seconds = ( System.nanoTime() - startNanos[0] ) / 1e9;
			if ( timed ) {
				bar.set( nanos / 1_000_000 );
			}
			if ( failure.get() != null ) {
				throw new IllegalStateException( label + " failed: " + failure.get(), failure.get() );
			}
			Recorder.Summary summary = Recorder.merge( recorders );
			long r = 0;
			for ( long v : retries ) {
				r += v;
			}
			return new Result( threads, summary.count(), seconds, r, summary );
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException( "interrupted", e );
		}
	}

	/** Whether the exception, or one of its causes, is of the given type. */
	public static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
		for ( Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause() ) {
			if ( type.isInstance( t ) ) {
				return true;
			}
		}
		return false;
	}

	/** Whether the exception is an optimistic-lock failure (two transactions changed the same row at once). */
	public static boolean optimisticLockFailure(Throwable e) {
		return causedBy( e, jakarta.persistence.OptimisticLockException.class )
				|| causedBy( e, org.hibernate.StaleStateException.class );
	}
}
