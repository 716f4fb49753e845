package io.writebehind.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Ticker;

import io.writebehind.internal.FactoryLookup;
import io.writebehind.internal.config.InternalSettings;
import io.writebehind.internal.queue.Partition;
import jakarta.persistence.EntityManagerFactory;

/**
 * A time source for the write queue that moves only when a test moves it (set as {@link InternalSettings#TICKER}), so
 * a test proves that a write is <em>not</em> flushed before its deadline without sleeping: move the time to just before
 * the deadline, let every flusher thread look at its queue ({@link #advance(EntityManagerFactory, Duration)} returns
 * once it has), assert that nothing was written; move past the deadline, assert that it was.
 * <p>
 * Only the queue's schedule (delays, retry backoff, lag) follows this ticker; {@code flush(Duration)} still waits in
 * real time, and {@code flush()} ends a retry backoff at once as usual.
 */
public final class FakeTicker implements Ticker {

	/** Any value but 0 (the queue reads 0 as "no time set"); fixed, so a run is reproducible. */
	private final AtomicLong nanos = new AtomicLong( TimeUnit.SECONDS.toNanos( 1 ) );

	@Override
	public long read() {
		return nanos.get();
	}

	/** The setting that installs this ticker: {@code properties.put(FakeTicker.SETTING, ticker)}. */
	public static final String SETTING = InternalSettings.TICKER;

	/** Moves the time forward by {@code duration}; the flusher threads see it the next time they look. */
	public void advance(Duration duration) {
		nanos.addAndGet( duration.toNanos() );
	}

	/**
	 * Moves the time forward by {@code duration}, then wakes every flusher thread of the factory and returns once each
	 * has looked at its queue at the new time: what was due then has been written (or handed to failure handling), and
	 * what was not is still queued.
	 */
	public void advance(EntityManagerFactory emf, Duration duration) {
		advance( duration );
		awaitFlushersLooked( emf );
	}

	/** Wakes every flusher thread of the factory and waits until each has looked at its queue and gone back to wait. */
	public static void awaitFlushersLooked(EntityManagerFactory emf) {
		for ( Partition partition : FactoryLookup.require( emf ).queue().partitions() ) {
			long before = partition.wake();
			Await.until( Duration.ofSeconds( 10 ), "flusher thread " + partition.index() + " looked at its queue",
					() -> partition.idleWaits() > before );
		}
	}
}
