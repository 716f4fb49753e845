package io.writebehind.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline (never a fixed sleep as the proof of anything). */
public final class Await {

	private Await() {
	}

	/** Polls {@code condition} every few milliseconds; fails with "{@code what}: not within N ms" at the deadline. */
	public static void until(Duration timeout, String what, BooleanSupplier condition) {
		until( timeout, () -> what, condition );
	}

	/** As {@link #until(Duration, String, BooleanSupplier)}, with {@code what} told at the deadline (current figures). */
	public static void until(Duration timeout, Supplier<String> what, BooleanSupplier condition) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while ( !condition.getAsBoolean() ) {
			if ( System.nanoTime() - deadline > 0 ) {
				throw new AssertionError( what.get() + ": not within " + timeout.toMillis() + " ms" );
			}
			try {
				Thread.sleep( 5 );
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new AssertionError( "interrupted while waiting for: " + what.get(), e );
			}
		}
	}
}
