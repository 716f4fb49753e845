package io.writebehind.internal;

import io.writebehind.internal.common.WriteBehindLogger;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import org.hibernate.engine.spi.SessionFactoryImplementor;

import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.WriteQueue;

/**
 * The end of a runtime's life: the drain of the queue when the factory closes or the JVM exits (up to
 * {@code shutdown_timeout_ms}, with the writes left reported by entity), the JVM shutdown hook, and the CHECKPOINT
 * that forces an embedded H2 file database to disk at exit.
 */
final class RuntimeShutdown {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( WriteBehindRuntime.class );

	private final WriteBehindRuntime runtime;
	private final SessionFactoryImplementor factory;
	private final WriteQueue queue;
	private final String logPrefix;
	private final long shutdownTimeoutMs;
	/** Set by {@link #installHook()} at start and cleared by {@link #removeHook()}, both under the runtime's lock. */
	private Thread hook;
	/** Set once at boot (the integrator's thread), read by the shutdown hook. */
	private volatile boolean checkpointAtExit;

	RuntimeShutdown(WriteBehindRuntime runtime, SessionFactoryImplementor factory, WriteQueue queue, String logPrefix,
			long shutdownTimeoutMs) {
		this.runtime = runtime;
		this.factory = factory;
		this.queue = queue;
		this.logPrefix = logPrefix;
		this.shutdownTimeoutMs = shutdownTimeoutMs;
	}

	void checkpointAtExit(boolean checkpoint) {
		this.checkpointAtExit = checkpoint;
	}

	void installHook(String unitName) {
		hook = new Thread( this::flushOnJvmExit, "write-behind-shutdown-" + unitName );
		Runtime.getRuntime().addShutdownHook( hook );
	}

	void removeHook() {
		if ( hook != null ) {
			try {
				Runtime.getRuntime().removeShutdownHook( hook );
			}
			catch (IllegalStateException alreadyShuttingDown) {
				// the hook is running or has run
			}
			hook = null;
		}
	}

	/** Resumes a paused queue (a forgotten pause never loses writes), then drains it; called under the runtime's lock. */
	void drain(String why) {
		if ( queue.isPaused() ) {
			LOG.resumedToClose( logPrefix, queue.pending() );
			queue.resume();
		}
		long pending = queue.pending();
		if ( pending == 0 ) {
			return;
		}
		LOG.drainingOnClose( logPrefix, pending, why, shutdownTimeoutMs );
		if ( !runtime.flush( Duration.ofMillis( shutdownTimeoutMs ) ) ) {
			// per entity, from the regions' pending writes: those a flush cycle holds right now (out of the partitions'
			// queues while it retries them) count too
			Map<String, Integer> left = new TreeMap<>();
			for ( EntityRegion region : queue.regions() ) {
				int count = region.pendingCount();
				if ( count > 0 ) {
					left.merge( region.entityName(), count, Integer::sum );
				}
			}
			LOG.writesLeftOnClose( logPrefix, queue.pending(), why, shutdownTimeoutMs, left );
			if ( hook != null && Thread.currentThread() == hook ) {
				// at JVM exit the logging system shuts down too (JUL's LogManager resets its handlers in a shutdown
				// hook of its own), so the line above may reach no one: stderr as well
				System.err.println( LOG.writesLostAtExit( logPrefix, queue.pending(), WriteBehindSettings.SHUTDOWN_TIMEOUT_MS
						+ "=" + shutdownTimeoutMs + " ms ran out; the database may be down or closed", left ) );
				System.err.flush();
			}
		}
	}

	private void flushOnJvmExit() {
		synchronized ( runtime ) {
			if ( runtime.isClosed() ) {
				return;
			}
			drain( "JVM shutdown" );
			if ( checkpointAtExit ) {
				checkpoint();
			}
		}
	}

	private void checkpoint() {
		try ( org.hibernate.StatelessSession session = factory.openStatelessSession() ) {
			session.doWork( connection -> {
				try ( java.sql.Statement statement = connection.createStatement() ) {
					statement.execute( "CHECKPOINT" );
				}
			} );
		}
		catch (RuntimeException e) {
			// the logging system may be shut down already: stderr is where the user sees it
			System.err.println( logPrefix + "Could not force the embedded H2 database to disk at JVM exit "
					+ "(CHECKPOINT): the last writes may be lost if H2 did not write them yet: " + e );
		}
	}
}
