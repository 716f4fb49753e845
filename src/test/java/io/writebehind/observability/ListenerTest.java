package io.writebehind.observability;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.writebehind.FailedWrite;
import io.writebehind.FailedWrite.Operation;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindListener;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.testing.WriteBehindTestBase;

/** Issue 8: the listener SPI, by setting and programmatically; a throwing listener never breaks the flusher. */
class ListenerTest extends WriteBehindTestBase {

	/** Registered by the setting; counts into a static field (created by the library). */
	public static final class CountingListener implements WriteBehindListener {
		static final AtomicInteger WRITES = new AtomicInteger();

		@Override
		public void batchFlushed(String persistenceUnit, int writes, Duration duration) {
			WRITES.addAndGet( writes );
		}
	}

	/** Registered by the setting too, before the counting one: throws on every event. */
	public static final class ThrowingListener implements WriteBehindListener {
		static final AtomicInteger CALLS = new AtomicInteger();

		@Override
		public void batchFlushed(String persistenceUnit, int writes, Duration duration) {
			CALLS.incrementAndGet();
			throw new IllegalStateException( "listener failure (expected by the test)" );
		}

		@Override
		public void writeFailed(String persistenceUnit, FailedWrite write) {
			CALLS.incrementAndGet();
			throw new IllegalStateException( "listener failure (expected by the test)" );
		}

		@Override
		public void conflict(String persistenceUnit, String entityName, Object id, Operation operation) {
			throw new AssertionError( "listener error (expected by the test)" );
		}
	}

	private static final class Recorder implements WriteBehindListener {
		final List<String> events = new CopyOnWriteArrayList<>();

		@Override
		public void batchFlushed(String persistenceUnit, int writes, Duration duration) {
			assertFalse( duration.isNegative() );
			events.add( "batch " + persistenceUnit + " " + writes );
		}

		@Override
		public void conflict(String persistenceUnit, String entityName, Object id, Operation operation) {
			events.add( "conflict " + entityName.substring( entityName.lastIndexOf( '.' ) + 1 ) + "#" + id + " " + operation );
		}

		@Override
		public void writeFailed(String persistenceUnit, FailedWrite write) {
			events.add( "failed " + write.reason() + " #" + write.id() );
		}

		@Override
		public void retry(String persistenceUnit, int writes, int attempt, Duration backoff, Throwable cause) {
			assertNotNull( cause );
			events.add( "retry " + writes + " attempt " + attempt );
		}
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.LISTENERS, ThrowingListener.class.getName() + " , "
				+ CountingListener.class.getName() );
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "20" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "50" );
	}

	@Test
	void listenersAreToldOfBatchesConflictsFailuresAndRetries() {
		CountingListener.WRITES.set( 0 );
		ThrowingListener.CALLS.set( 0 );
		WriteBehind wb = writeBehind();
		Recorder recorder = new Recorder();
		wb.addListener( recorder );

		for ( long id = 1; id <= 4; id++ ) {
			long value = id;
			inTransaction( em -> em.persist( new Counter( value, "c", value ) ) );
		}
		wb.flush();
		assertEquals( List.of( "batch wb-test 4" ), recorder.events );
		assertEquals( 4, CountingListener.WRITES.get(), "a throwing listener before it does not stop the others" );
		assertTrue( ThrowingListener.CALLS.get() >= 1 );
		assertEquals( 4, count( "select count(*) from wb_counter" ), "a throwing listener does not stop the flusher" );

		recorder.events.clear();
		update( "update wb_counter set version = version + 1 where id = 1" );
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		inTransaction( em -> em.find( Counter.class, 2L ).setName( "x".repeat( 300 ) ) );
		inTransaction( em -> em.find( Counter.class, 3L ).increment() );
		wb.flush();
		assertTrue( recorder.events.contains( "conflict Counter#1 UPDATE" ), recorder.events.toString() );
		assertTrue( recorder.events.contains( "failed CONFLICT #1" ), recorder.events.toString() );
		assertTrue( recorder.events.contains( "failed FAILED #2" ), recorder.events.toString() );
		assertTrue( recorder.events.contains( "batch wb-test 1" ), recorder.events.toString() );
		assertEquals( 4, count( "select total from wb_counter where id = 3" ) );
		assertEquals( 2, wb.failedWrites().size(), "a throwing listener does not stop failure handling" );

		recorder.events.clear();
		connections.down( true );
		inTransaction( em -> em.find( Counter.class, 4L ).increment() );
		assertFalse( wb.flush( Duration.ofMillis( 200 ) ) );
		connections.down( false );
		wb.flush();
		assertTrue( recorder.events.contains( "retry 1 attempt 1" ), recorder.events.toString() );
		assertEquals( "batch wb-test 1", recorder.events.get( recorder.events.size() - 1 ) );

		assertTrue( wb.removeListener( recorder ) );
		assertFalse( wb.removeListener( recorder ) );
		recorder.events.clear();
		inTransaction( em -> em.find( Counter.class, 4L ).increment() );
		wb.flush();
		assertEquals( List.of(), recorder.events );
	}

	@Test
	void aListenerClassThatCannotBeCreatedFailsTheBoot() {
		emf.close();
		var e = assertThrows( RuntimeException.class, () -> buildFactory( connections,
				Map.of( WriteBehindSettings.LISTENERS, "com.example.NoSuchListener" ) ) );
		Throwable cause = e;
		while ( cause != null && !( cause instanceof WriteBehindConfigurationException ) ) {
			cause = cause.getCause();
		}
		assertNotNull( cause, e.toString() );
		assertTrue( cause.getMessage().contains( WriteBehindSettings.LISTENERS ), cause.getMessage() );
		emf = null;
	}
}
