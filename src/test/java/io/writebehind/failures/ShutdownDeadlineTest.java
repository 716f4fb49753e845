package io.writebehind.failures;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.testing.WriteBehindTestBase;

/**
 * Issue 5, point 8: flush(Duration) and closing the factory stop at their deadline on a dead database and say exactly
 * how many writes of which entities were left unwritten; nothing hangs.
 */
class ShutdownDeadlineTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Account.class, Counter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.SHUTDOWN_TIMEOUT_MS, "700" );
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "20" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "100" );
	}

	@Test
	void flushWithATimeoutReturnsFalseOnADeadDatabase() {
		inTransaction( em -> em.persist( new Account( 1L, "a", 1 ) ) );
		connections.down( true );
		try {
			long start = System.nanoTime();
			assertFalse( writeBehind().flush( Duration.ofMillis( 300 ) ) );
			long tookMs = ( System.nanoTime() - start ) / 1_000_000;
			assertTrue( tookMs >= 290 && tookMs < 5_000, "flush(300 ms) took " + tookMs + " ms" );
		}
		finally {
			connections.down( false );
		}
		assertTrue( writeBehind().flush( Duration.ofSeconds( 30 ) ) );
		assertEquals( 1, count( "select count(*) from wbf_account" ) );
	}

	@Test
	void closeOnADeadDatabaseStopsAtTheDeadlineAndSaysWhatWasLeft() {
		inTransaction( em -> {
			for ( long id = 1; id <= 3; id++ ) {
				em.persist( new Account( id, "a", id ) );
			}
			em.persist( new Counter( 1L, "c", 1 ) );
		} );
		List<String> errors = new ArrayList<>();
		Logger log = Logger.getLogger( "io.writebehind.internal.WriteBehindRuntime" );
		Handler capture = new Handler() {
			@Override
			public void publish(LogRecord record) {
				synchronized ( errors ) {
					errors.add( String.format( record.getMessage().replace( "%d", "%s" ), record.getParameters() ) );
				}
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}
		};
		log.addHandler( capture );
		connections.down( true );
		try {
			long start = System.nanoTime();
			emf.close();
			long tookMs = ( System.nanoTime() - start ) / 1_000_000;
			assertTrue( tookMs < 6_000, "close took " + tookMs + " ms" );
		}
		finally {
			log.removeHandler( capture );
			connections.down( false );
		}
		String report = String.join( "\n", errors );
		assertTrue( report.contains( "4 write(s) did NOT reach the database" ), report );
		assertTrue( report.contains( Account.class.getName() + "=3" ), report );
		assertTrue( report.contains( Counter.class.getName() + "=1" ), report );
	}
}
