package io.writebehind.internal;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.writebehind.FailedWrite;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindListener;
import io.writebehind.WriteBehindStats;
import io.writebehind.WriteFailureHandler;

/** The public face of a {@link WriteBehindRuntime}: {@link WriteBehind}'s methods on its parts. Holds no state. */
final class WriteBehindHandle implements WriteBehind {

	/**
	 * {@link #flush()} waits without a bound, in waits of this length: between two it checks whether the factory was
	 * closed or the thread interrupted. Not a deadline (reads that wait for a flush use
	 * {@link io.writebehind.WriteBehindSettings#READ_FLUSH_TIMEOUT_MS}).
	 */
	private static final Duration UNBOUNDED_FLUSH_SLICE = Duration.ofDays( 1 );

	private final WriteBehindRuntime runtime;

	WriteBehindHandle(WriteBehindRuntime runtime) {
		this.runtime = runtime;
	}

	@Override
	public String persistenceUnit() {
		return runtime.unitName();
	}

	@Override
	public void flush() {
		while ( !runtime.flush( UNBOUNDED_FLUSH_SLICE ) ) {
			if ( runtime.isClosed() || Thread.currentThread().isInterrupted() ) {
				throw new IllegalStateException( runtime.logPrefix() + "flush() did not complete: the "
						+ "EntityManagerFactory was closed or the thread was interrupted" );
			}
		}
	}

	@Override
	public boolean flush(Duration timeout) {
		Objects.requireNonNull( timeout, "timeout" );
		try {
			return runtime.flush( timeout );
		}
		catch (WriteBehindRuntime.PausedException paused) {
			return false;
		}
	}

	@Override
	public void pause() {
		runtime.pause();
	}

	@Override
	public void resume() {
		runtime.resume();
	}

	@Override
	public boolean isPaused() {
		return runtime.isPaused();
	}

	@Override
	public void addListener(WriteBehindListener listener) {
		runtime.listeners().add( listener );
	}

	@Override
	public boolean removeListener(WriteBehindListener listener) {
		return runtime.listeners().remove( listener );
	}

	@Override
	public WriteBehindStats stats() {
		return runtime.stats();
	}

	@Override
	public List<FailedWrite> failedWrites() {
		return runtime.failures().failedWrites();
	}

	@Override
	public int discardFailed() {
		return runtime.failures().discardAll();
	}

	@Override
	public int retryFailed() {
		return runtime.failures().replayAll();
	}

	@Override
	public void failureHandler(WriteFailureHandler handler) {
		runtime.failures().handler( handler );
	}

	@Override
	public void keepFailed(FailedWrite write) {
		runtime.failures().keep( write );
	}

	@Override
	public String toString() {
		return "WriteBehind[" + runtime.unitName() + "]";
	}
}
