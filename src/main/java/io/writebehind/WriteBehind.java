package io.writebehind;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

import org.hibernate.SessionFactory;

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
 * Handles are cheap; get one whenever you need it. All methods are thread-safe. An interface implemented by
 * write-behind itself: applications call it and do not implement it, so methods may be added to it.
 */
public interface WriteBehind {

	/**
	 * The write-behind of an {@code EntityManagerFactory}: Hibernate's own, or one that wraps or proxies it (such as
	 * Spring's {@code EntityManagerFactory} bean); it is unwrapped to Hibernate's {@code SessionFactoryImplementor}.
	 *
	 * @throws IllegalArgumentException if write-behind is not active on it; the message says why: the factory is
	 * closed, maps no {@link WriteBehindEntity} entity, has {@code hibernate.writebehind.enabled=false}, or
	 * write-behind's integrator was not installed (or the factory is not Hibernate's)
	 */
	static WriteBehind of(EntityManagerFactory entityManagerFactory) {
		Objects.requireNonNull( entityManagerFactory, "entityManagerFactory" );
		return Locator.INSTANCE.find( entityManagerFactory );
	}

	/** The write-behind of a Hibernate {@code SessionFactory} (or a proxy of one); see {@link #of(EntityManagerFactory)}. */
	static WriteBehind of(SessionFactory sessionFactory) {
		Objects.requireNonNull( sessionFactory, "sessionFactory" );
		return Locator.INSTANCE.find( sessionFactory );
	}

	/**
	 * The persistence unit's name, as write-behind names it in its log lines ({@code [write-behind <unit>]}), its
	 * meters' {@code unit} tag and its MBean's name.
	 */
	String persistenceUnit();

	/**
	 * Blocks until every write committed before this call has reached the database or has been handed to failure
	 * handling ({@link #failedWrites()}). Waits as long as it takes; see {@link #flush(Duration)} for a bounded wait.
	 *
	 * @throws IllegalStateException while flushing is {@linkplain #pause() paused} and writes are pending (they cannot
	 * reach the database until {@link #resume()}), also when {@link #pause()} is called during the wait
	 */
	void flush();

	/**
	 * Like {@link #flush()}, but waits at most {@code timeout}.
	 *
	 * @return {@code true} if everything committed before the call was written, {@code false} on timeout; while
	 * flushing is {@linkplain #pause() paused}, {@code false} at once (or when paused during the wait) unless nothing is
	 * pending
	 */
	boolean flush(Duration timeout);

	/**
	 * Pauses flushing, for a database maintenance window: nothing is written to the database until {@link #resume()}.
	 * Commits keep being accepted into the cache and the queue up to {@code queue_capacity}, then wait and fail with
	 * {@link WriteBehindQueueFullException} as usual. A flush transaction already running completes. While paused,
	 * {@link #flush()} throws {@link IllegalStateException} and {@link #flush(Duration)} returns {@code false} at once;
	 * so do operations that need the pending writes in the database first (a refresh, a pessimistic lock). Closing the
	 * {@code EntityManagerFactory} (or the JVM shutdown hook) resumes and drains the queue. Idempotent.
	 */
	void pause();

	/** Resumes flushing after {@link #pause()}: everything queued meanwhile is due at once, written at full speed. */
	void resume();

	/** Whether flushing is {@linkplain #pause() paused}. */
	boolean isPaused();

	/**
	 * Adds a listener told of batches flushed, conflicts, failures and retries (in addition to those of
	 * {@code hibernate.writebehind.listeners}); see {@link WriteBehindListener}.
	 */
	void addListener(WriteBehindListener listener);

	/** Removes a listener added before; returns whether it was there. */
	boolean removeListener(WriteBehindListener listener);

	/** A snapshot of the figures. */
	WriteBehindStats stats();

	/** Writes that failed permanently or conflicted, oldest first (bounded by {@code dead_letter_capacity}). */
	List<FailedWrite> failedWrites();

	/** Forgets the failed writes; returns how many there were. */
	int discardFailed();

	/**
	 * Queues every write of {@link #failedWrites()} again, to be written over whatever the database holds when the
	 * flusher reaches it (the row is read first; the write gets the row's next version: last write wins). A write whose
	 * id was committed again since stays out, as the newer state wins; so does one that finds the queue full. Returns
	 * how many were queued; those leave the list.
	 */
	int retryFailed();

	/**
	 * Replaces the {@link WriteFailureHandler} (the one set by {@code hibernate.writebehind.failure_handler});
	 * {@code null} restores the default handler, which logs and keeps failed writes in {@link #failedWrites()}.
	 */
	void failureHandler(WriteFailureHandler handler);

	/**
	 * Keeps a failed write in {@link #failedWrites()}, as the default handler does; for custom handlers that want the
	 * list too. Called from the handler, the write can be {@linkplain #retryFailed() replayed}.
	 */
	void keepFailed(FailedWrite write);

	/**
	 * How {@link #of(EntityManagerFactory)} finds the handle of a factory: write-behind's runtime implements it, found
	 * through {@link ServiceLoader} ({@code META-INF/services/io.writebehind.WriteBehind$Locator}). The library's own:
	 * applications neither implement nor call it.
	 */
	interface Locator {

		/** The handle of the factory; throws {@link IllegalArgumentException} saying why when there is none. */
		WriteBehind find(EntityManagerFactory entityManagerFactory);

		/** The locator of the library's runtime, loaded once. */
		Locator INSTANCE = load();

		private static Locator load() {
			Iterator<Locator> found = ServiceLoader.load( Locator.class, Locator.class.getClassLoader() ).iterator();
			if ( !found.hasNext() ) {
				throw new IllegalStateException( "hibernate-write-behind's " + Locator.class.getName() + " was not found: "
						+ "keep META-INF/services/io.writebehind.WriteBehind$Locator of hibernate-write-behind on the "
						+ "class path (a shaded or repackaged jar may drop it)" );
			}
			return found.next();
		}
	}
}
