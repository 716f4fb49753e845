package io.writebehind.examples.support;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line progress bar on stderr, redrawn in place (with {@code \r}) a few times a second while a long phase runs.
 * Workers call {@link #step()}; {@link #close()} draws the final state and ends the line.
 */
public final class Progress implements AutoCloseable {

	private static final int WIDTH = 30;

	private final String label;
	private final long total;
	private final PrintStream out;
	private final AtomicLong done = new AtomicLong();
	private final long startNanos = System.nanoTime();
	private final Thread painter;
	private volatile boolean closed;

	private Progress(String label, long total, PrintStream out) {
		this.label = label;
		this.total = total;
		this.out = out;
		if ( out == null ) {
			painter = null;
			return;
		}
		painter = new Thread( () -> {
			while ( !closed ) {
				paint();
				try {
					Thread.sleep( 200 );
				}
				catch (InterruptedException e) {
					return;
				}
			}
		}, "examples-progress" );
		painter.setDaemon( true );
		painter.start();
	}

	/** A progress bar for a phase of {@code total} steps; {@code enabled=false} gives one that draws nothing. */
	public static Progress start(String label, long total, boolean enabled) {
		return new Progress( label, total, enabled ? System.err : null );
	}

	public void step() {
		done.incrementAndGet();
	}

	/** Sets how many steps are done (for a phase that runs for a time: milliseconds elapsed). */
	public void set(long steps) {
		done.set( steps );
	}

	private synchronized void paint() {
		long n = Math.min( done.get(), total );
		int filled = total == 0 ? WIDTH : (int) ( WIDTH * n / total );
		double seconds = ( System.nanoTime() - startNanos ) / 1e9;
		out.printf( "\r%-34s [%s%s] %3d%% %,d/%,d %5.1fs ", label, "#".repeat( filled ), ".".repeat( WIDTH - filled ),
				total == 0 ? 100 : 100 * n / total, n, total, seconds );
		out.flush();
	}

	@Override
	public void close() {
		if ( out == null || closed ) {
			return;
		}
		closed = true;
		painter.interrupt();
		try {
			painter.join();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		paint();
		out.println();
	}
}
