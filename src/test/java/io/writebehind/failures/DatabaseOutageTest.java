package io.writebehind.failures;

import static org.junit.jupiter.api.Assertions.*;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindSettings;
import io.writebehind.testing.WriteBehindTestBase;

/**
 * Issue 5, point 1: the database is unavailable for 30 s while 8 threads commit writes. Commits keep working (the
 * entities are cached and transactions need no connection), the flusher retries with backoff and logs once per
 * outage, and after the database returns and flush(), the database equals the model of committed state: nothing
 * lost, nothing written twice.
 */
class DatabaseOutageTest extends WriteBehindTestBase {

	private static final int THREADS = 8;
	private static final int EXISTING = 400;
	private static final long OUTAGE_MILLIS = 30_000;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Account.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.MAX_DELAY_MS, "20" );
		properties.put( WriteBehindSettings.FLUSH_THRESHOLD, "200" );
		properties.put( WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "200" );
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "50" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "2000" );
	}

	@Test
	void nothingCommittedDuringAnOutageIsLostOrWrittenTwice() throws Exception {
		inTransaction( em -> {
			for ( long id = 1; id <= EXISTING; id++ ) {
				em.persist( new Account( id, "a", 0 ) );
			}
		} );
		writeBehind().flush();

		List<LogRecord> logged = new ArrayList<>();
		Logger flusherLog = Logger.getLogger( "io.writebehind.internal.flush.Flusher" );
		Level oldLevel = flusherLog.getLevel();
		Handler capture = new Handler() {
			@Override
			public void publish(LogRecord record) {
				synchronized ( logged ) {
					logged.add( record );
				}
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}
		};
		flusherLog.setLevel( Level.INFO );
		flusherLog.addHandler( capture );

		// the model of committed state: balance per id (each thread owns its ids, so no conflicts)
		Map<Long, Long> model = new ConcurrentHashMap<>();
		for ( long id = 1; id <= EXISTING; id++ ) {
			model.put( id, 0L );
		}
		AtomicLong nextNewId = new AtomicLong( 100_000 );
		AtomicLong commits = new AtomicLong();
		try {
			connections.down( true );
			long end = System.nanoTime() + OUTAGE_MILLIS * 1_000_000;
			List<Thread> threads = new ArrayList<>();
			List<Throwable> errors = new ArrayList<>();
			for ( int t = 0; t < THREADS; t++ ) {
				int slice = t;
				Thread thread = new Thread( () -> {
					ThreadLocalRandom random = ThreadLocalRandom.current();
					try {
						while ( System.nanoTime() < end ) {
							if ( random.nextInt( 10 ) == 0 ) {
								long id = nextNewId.incrementAndGet();
								long balance = random.nextInt( 1000 );
								inTransaction( em -> em.persist( new Account( id, "new", balance ) ) );
								model.put( id, balance );
							}
							else {
								long id = 1 + slice + (long) THREADS * random.nextInt( EXISTING / THREADS );
								long delta = 1 + random.nextInt( 9 );
								inTransaction( em -> {
									Account a = em.find( Account.class, id );
									a.setBalance( a.getBalance() + delta );
								} );
								model.merge( id, delta, Long::sum );
							}
							commits.incrementAndGet();
							Thread.sleep( 1 );
						}
					}
					catch (Throwable e) {
						synchronized ( errors ) {
							errors.add( e );
						}
					}
				}, "writer-" + t );
				threads.add( thread );
				thread.start();
			}
			for ( Thread thread : threads ) {
				thread.join();
			}
			assertTrue( errors.isEmpty(), "commits failed during the outage: " + errors );
			assertFalse( writeBehind().flush( java.time.Duration.ofMillis( 100 ) ), "nothing can be written while down" );
		}
		finally {
			connections.down( false );
		}
		writeBehind().flush();
		flusherLog.removeHandler( capture );
		flusherLog.setLevel( oldLevel );

		assertTrue( commits.get() > 1000, "commits during the outage: " + commits.get() );
		Map<Long, Long> database = jdbc( c -> {
			Map<Long, Long> rows = new HashMap<>();
			try ( Statement s = c.createStatement(); ResultSet rs = s.executeQuery( "select id, balance from wbf_account" ) ) {
				while ( rs.next() ) {
					assertNull( rows.put( rs.getLong( 1 ), rs.getLong( 2 ) ), "duplicate id" );
				}
			}
			return rows;
		} );
		assertEquals( model, database );
		assertEquals( 0, writeBehind().stats().failed() );
		assertEquals( 0, writeBehind().stats().conflicts() );
		assertEquals( 0, writeBehind().stats().pending() );
		assertTrue( writeBehind().stats().retries() > 3, "retries: " + writeBehind().stats().retries() );
		long outageWarnings = logged.stream().filter( r -> r.getLevel().intValue() == Level.WARNING.intValue()
				&& r.getMessage().contains( "transient reason" ) ).count();
		long recoveries = logged.stream().filter( r -> r.getMessage().contains( "accepts writes again" ) ).count();
		assertEquals( 1, outageWarnings, "one warning per outage" );
		assertEquals( 1, recoveries, "one line when the database is back" );
	}
}
