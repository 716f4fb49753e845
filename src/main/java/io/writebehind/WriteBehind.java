package io.writebehind;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.hibernate.SessionFactory;

import io.writebehind.internal.FactoryLookup;
import io.writebehind.internal.WriteBehindRuntime;
import jakarta.persistence.EntityManagerFactory;

/**
 * The handle on the write-behind of one persistence unit: flush on demand, figures, failed writes.
 *
 * <pre>{@code
 * WriteBehind writeBehind = WriteBehind.of(entityManagerFactory);
 * writeBehind.flush();                       // every write committed so far is now in the database
 * WriteBehindStats stats = writeBehind.stats();
 * }</pre>
 *
 * Handles are cheap; get one whenever you need it. All methods are thread-safe.
 */
public final class WriteBehind {

	private final WriteBehindRuntime runtime;

	private WriteBehind(WriteBehindRuntime runtime) {
		this.runtime = runtime;
	}

	/**
	 * The write-behind of an {@code EntityManagerFactory}: Hibernate's own, or one that wraps or proxies it (such as
	 * Spring's {@code EntityManagerFactory} bean); it is unwrapped to Hibernate's {@code SessionFactoryImplementor}.
	 *
	 * @throws IllegalArgumentException if write-behind is not active on it; the message says why: the factory is
	 * closed, maps no {@link WriteBehindEntity} entity, has {@code hibernate.writebehind.enabled=false}, or
	 * write-behind's integrator was not installed (or the factory is not Hibernate's)
	 */
	public static WriteBehind of(EntityManagerFactory entityManagerFactory) {
		return new WriteBehind( FactoryLookup.require( entityManagerFactory ) );
	}

	/** The write-behind of a Hibernate {@code SessionFactory} (or a proxy of one); see {@link #of(EntityManagerFactory)}. */
	public static WriteBehind of(SessionFactory sessionFactory) {
		return new WriteBehind( FactoryLookup.require( sessionFactory ) );
	}

	/**
	 * {@link #flush()} waits without a bound, in waits of this length: between two it checks whether the factory was
	 * closed or the thread interrupted. Not a deadline (reads that wait for a flush use
	 * {@link WriteBehindSettings#READ_FLUSH_TIMEOUT_MS}).
	 */
	private static final Duration UNBOUNDED_FLUSH_SLICE = Duration.ofDays( 1 );

	/**
	 * Blocks until every write committed before this call has reached the database or has been handed to failure
	 * handling ({@link #failedWrites()}). Waits as long as it takes; see {@link #flush(Duration)} for a bounded wait.
	 *
	 * @throws IllegalStateException while flushing is {@linkplain #pause() paused} and writes are pending (they cannot
	 * reach the database until {@link #resume()}), also when {@link #pause()} is called during the wait
	 */
	public void flush() {
		while ( !runtime.flush( UNBOUNDED_FLUSH_SLICE ) ) {
			if ( runtime.isClosed() || Thread.currentThread().isInterrupted() ) {
				throw new IllegalStateException( runtime.logPrefix() + "flush() did not complete: the "
						+ "EntityManagerFactory was closed or the thread was interrupted" );
			}
		}
	}

	/**
	 * Like {@link #flush()}, but waits at most {@code timeout}.
	 *
	 * @return {@code true} if everything committed before the call was written, {@code false} on timeout; while
	 * flushing is {@linkplain #pause() paused}, {@code false} at once (or when paused during the wait) unless nothing is
	 * pending
	 */
	public boolean flush(Duration timeout) {
		Objects.requireNonNull( timeout, "timeout" );
		try {
			return runtime.flush( timeout );
		}
		catch (WriteBehindRuntime.PausedException paused) {
			return false;
		}
	}

	/**
	 * Pauses flushing, for a database maintenance window: nothing is written to the database until {@link #resume()}.
	 * Commits keep being accepted into the cache and the queue up to {@code queue_capacity}, then wait and fail with
	 * {@link WriteBehindQueueFullException} as usual. A flush transaction already running completes. While paused,
	 * {@link #flush()} throws {@link IllegalStateException} and {@link #flush(Duration)} returns {@code false} at once;
	 * so do operations that need the pending writes in the database first (a refresh, a pessimistic lock). Closing the
	 * {@code EntityManagerFactory} (or the JVM shutdown hook) resumes and drains the queue. Idempotent.
	 */
	public void pause() {
		runtime.pause();
	}

	/** Resumes flushing after {@link #pause()}: everything queued meanwhile is due at once, written at full speed. */
	public void resume() {
		runtime.resume();
	}

	/** Whether flushing is {@linkplain #pause() paused}. */
	public boolean isPaused() {
		return runtime.isPaused();
	}

	/**
	 * Adds a listener told of batches flushed, conflicts, failures and retries (in addition to those of
	 * {@code hibernate.writebehind.listeners}); see {@link WriteBehindListener}.
	 */
	public void addListener(WriteBehindListener listener) {
		runtime.addListener( listener );
	}

	/** Removes a listener added before; returns whether it was there. */
	public boolean removeListener(WriteBehindListener listener) {
		return runtime.removeListener( listener );
	}

	/** A snapshot of the figures. */
	public WriteBehindStats stats() {
		return runtime.stats();
	}

	/** Writes that failed permanently or conflicted, oldest first (bounded by {@code dead_letter_capacity}). */
	public List<FailedWrite> failedWrites() {
		return runtime.failedWrites();
	}

	/** Forgets the failed writes; returns how many there were. */
	public int discardFailed() {
		return runtime.discardFailed();
	}

	/**
	 * Queues every write of {@link #failedWrites()} again, to be written over whatever the database holds when the
	 * flusher reaches it (the row is read first; the write gets the row's next version: last write wins). A write whose
	 * id was committed again since stays out, as the newer state wins; so does one that finds the queue full. Returns
	 * how many were queued; those leave the list.
	 */
	public int retryFailed() {
		return runtime.retryFailed();
	}

	/**
	 * Replaces the {@link WriteFailureHandler} (the one set by {@code hibernate.writebehind.failure_handler});
	 * {@code null} restores the default handler, which logs and keeps failed writes in {@link #failedWrites()}.
	 */
	public void failureHandler(WriteFailureHandler handler) {
		runtime.failureHandler( handler );
	}

	/**
	 * Keeps a failed write in {@link #failedWrites()}, as the default handler does; for custom handlers that want the
	 * list too. Called from the handler, the write can be {@linkplain #retryFailed() replayed}.
	 */
	public void keepFailed(FailedWrite write) {
		runtime.keepFailed( write );
	}
}
