package io.writebehind.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline (never a fixed sleep as the proof of anything). */
public final class Await {

	private Await() {
	}

	/** Polls {@code condition} every few milliseconds; fails with "{@code what} not within N s" at the deadline. */
	public static void until(Duration timeout, String what, BooleanSupplier condition) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while ( !condition.getAsBoolean() ) {
			if ( System.nanoTime() - deadline > 0 ) {
				throw new AssertionError( what + ": not within " + timeout.toSeconds() + " s" );
			}
			try {
				Thread.sleep( 5 );
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new AssertionError( "interrupted while waiting for: " + what, e );
			}
		}
	}
}
