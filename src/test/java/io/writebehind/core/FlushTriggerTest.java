package io.writebehind.core;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import io.writebehind.WriteBehindListener;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.testing.Await;
import io.writebehind.testing.FakeTicker;
import io.writebehind.testing.LogCapture;
import io.writebehind.testing.SqlLog;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Core point 5: the flusher writes when the maximum delay has passed or {@code flush_threshold} writes are pending, in
 * transactions of at most {@code flush_transaction_size} writes and JDBC batches of at most {@code jdbc_batch_size}
 * statements. The queue runs on a {@link FakeTicker}: "not before the deadline" is checked at the deadline minus one
 * nanosecond, after every flusher thread has looked at its queue at that time.
 */
class FlushTriggerTest extends WriteBehindTestBase {

	private static final Duration GLOBAL_DELAY = Duration.ofMillis( 300_000 );
	private static final Duration FAST_DELAY = Duration.ofMillis( 20 );
	private static final Duration ONE_NANO = Duration.ofNanos( 1 );

	private final FakeTicker ticker = new FakeTicker();

	/** An entity whose annotation overrides the global delay. */
	@Entity
	@Table(name = "wb_fast")
	@WriteBehindEntity(maxDelayMs = 20)
	public static class Fast {
		@Id
		Long id;
		@Version
		int version;
		String name;

		protected Fast() {
		}

		Fast(Long id, String name) {
			this.id = id;
			this.name = name;
		}
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class, Fast.class };
	}

	/** Set by the test of the deprecated key: the unit is then configured with batch_size alone. */
	private boolean deprecatedBatchSize;

	@Override
	@SuppressWarnings("deprecation")
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.MAX_DELAY_MS, Long.toString( GLOBAL_DELAY.toMillis() ) );
		properties.put( FakeTicker.SETTING, ticker );
		if ( deprecatedBatchSize ) {
			properties.remove( "hibernate.jdbc.batch_size" );
			properties.put( WriteBehindSettings.BATCH_SIZE, "10" );
			return;
		}
		properties.put( WriteBehindSettings.FLUSH_THRESHOLD, Integer.toString( THRESHOLD ) );
		properties.put( WriteBehindSettings.FLUSH_TRANSACTION_SIZE, Integer.toString( TRANSACTION_SIZE ) );
		properties.put( WriteBehindSettings.JDBC_BATCH_SIZE, Integer.toString( JDBC_BATCH_SIZE ) );
	}

	private static final int THRESHOLD = 10;
	private static final int TRANSACTION_SIZE = 4;
	private static final int JDBC_BATCH_SIZE = 2;

	/** The writes of each flush transaction, as the listeners are told of them. */
	private final List<Integer> transactions = new CopyOnWriteArrayList<>();

	@BeforeEach
	void recordTransactions() {
		writeBehind().addListener( new WriteBehindListener() {
			@Override
			public void batchFlushed(String persistenceUnit, int writes, Duration duration) {
				transactions.add( writes );
			}
		} );
	}

	@Test
	void theThresholdStartsAFlushBeforeTheDelay() {
		for ( long id = 1; id < THRESHOLD; id++ ) {
			long value = id;
			inTransaction( em -> em.persist( new Counter( value, "c", value ) ) );
		}
		ticker.advance( emf, GLOBAL_DELAY.minus( ONE_NANO ) );
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		inTransaction( em -> em.persist( new Counter( (long) THRESHOLD, "c", THRESHOLD ) ) );
		// the oldest first, one transaction's worth; then 6 are queued, below the threshold: they wait for their delay
		awaitRows( "select count(*) from wb_counter", TRANSACTION_SIZE );
		FakeTicker.awaitFlushersLooked( emf );
		assertEquals( TRANSACTION_SIZE, count( "select count(*) from wb_counter where id <= " + TRANSACTION_SIZE ) );
		assertEquals( List.of( TRANSACTION_SIZE ), transactions );
		ticker.advance( emf, ONE_NANO );
		awaitRows( "select count(*) from wb_counter", THRESHOLD - 1 );
		assertEquals( 0, count( "select count(*) from wb_counter where id = " + THRESHOLD ) );
		writeBehind().flush();
		assertEquals( THRESHOLD, count( "select count(*) from wb_counter" ) );
		assertTransactionsBounded();
	}

	@Test
	void aBacklogAtTheThresholdDrainsTransactionAfterTransactionDownBelowIt() {
		inTransaction( em -> {
			for ( long id = 1; id <= 3 * THRESHOLD; id++ ) {
				em.persist( new Counter( id, "c", id ) );
			}
		} );
		FakeTicker.awaitFlushersLooked( emf );
		long written = count( "select count(*) from wb_counter" );
		long queued = writeBehind().stats().pending();
		// whenever the flusher looked, it took whole transactions while THRESHOLD or more were queued, and stopped below
		assertEquals( 3 * THRESHOLD, written + queued, transactions.toString() );
		assertTrue( queued < THRESHOLD && queued >= THRESHOLD - TRANSACTION_SIZE, queued + " still queued" );
		assertEquals( written, (long) transactions.size() * TRANSACTION_SIZE, transactions.toString() );
		ticker.advance( emf, GLOBAL_DELAY );
		awaitRows( "select count(*) from wb_counter", 3 * THRESHOLD );
		assertTransactionsBounded();
	}

	@Test
	void aFlushWritesInTransactionsOfTheTransactionSizeAndJdbcBatchesOfTheBatchSize() {
		inTransaction( em -> {
			for ( long id = 1; id < THRESHOLD; id++ ) {
				em.persist( new Counter( id, "c", id ) );
			}
		} );
		connections.sql().clear();
		writeBehind().flush();
		assertEquals( THRESHOLD - 1, count( "select count(*) from wb_counter" ) );
		assertEquals( List.of( 4, 4, 1 ), transactions );
		List<SqlLog.Execution> inserts = connections.sql().all().stream()
				.filter( e -> e.is( "insert" ) && e.touches( "wb_counter" ) ).toList();
		assertEquals( THRESHOLD - 1, inserts.stream().mapToInt( SqlLog.Execution::rows ).sum(), inserts.toString() );
		assertTrue( inserts.stream().allMatch( e -> e.rows() <= JDBC_BATCH_SIZE ), inserts.toString() );
		assertEquals( 5, inserts.size(), inserts.toString() ); // 2 + 2, 2 + 2, 1
	}

	private void assertTransactionsBounded() {
		assertTrue( transactions.stream().allMatch( n -> n >= 1 && n <= TRANSACTION_SIZE ), transactions.toString() );
	}

	@Test
	@SuppressWarnings("deprecation")
	void theDeprecatedBatchSizeIsTheThresholdAndTheTransactionSizeWithOneWarning() {
		emf.close();
		deprecatedBatchSize = true;
		try ( LogCapture logs = LogCapture.start( Level.WARNING, "io.writebehind" ) ) {
			emf = buildFactory( connections, Map.of() );
			List<String> warnings = logs.lines().stream().filter( l -> l.startsWith( "WB000031: " ) ).toList();
			assertEquals( 1, warnings.size(), logs.lines().toString() );
			assertTrue( warnings.get( 0 ).contains( WriteBehindSettings.BATCH_SIZE + "=10 is deprecated: it is taken as "
					+ WriteBehindSettings.FLUSH_THRESHOLD + "=10, " + WriteBehindSettings.FLUSH_TRANSACTION_SIZE + "=10 and "
					+ WriteBehindSettings.JDBC_BATCH_SIZE + "=10" ), warnings.get( 0 ) );
		}
		recordTransactions();
		for ( long id = 1; id <= 9; id++ ) {
			long value = id;
			inTransaction( em -> em.persist( new Counter( value, "c", value ) ) );
		}
		ticker.advance( emf, GLOBAL_DELAY.minus( ONE_NANO ) );
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		inTransaction( em -> em.persist( new Counter( 10L, "c", 10 ) ) );
		awaitRows( "select count(*) from wb_counter", 10 );
		// the listeners are told after the flush transaction committed: its rows may be read before
		Await.until( Duration.ofSeconds( 10 ), "the listeners were told of the flush transaction",
				() -> !transactions.isEmpty() );
		assertEquals( List.of( 10 ), transactions );
	}

	@Test
	void aWriteIsFlushedWhenItsDelayHasPassedAndNotBefore() {
		inTransaction( em -> em.persist( new Counter( 1L, "c", 1 ) ) );
		ticker.advance( emf, GLOBAL_DELAY.minus( ONE_NANO ) );
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		ticker.advance( emf, ONE_NANO );
		awaitRows( "select count(*) from wb_counter", 1 );
	}

	@Test
	void thePerEntityDelayOverridesTheGlobalOne() {
		inTransaction( em -> em.persist( new Fast( 1L, "soon" ) ) );
		inTransaction( em -> em.persist( new Counter( 1L, "late", 1 ) ) );
		ticker.advance( emf, FAST_DELAY.minus( ONE_NANO ) );
		assertEquals( 0, count( "select count(*) from wb_fast" ) );
		ticker.advance( emf, ONE_NANO );
		awaitRows( "select count(*) from wb_fast", 1 );
		ticker.advance( emf, GLOBAL_DELAY.minus( FAST_DELAY ).minus( ONE_NANO ) );
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
	}

	private void awaitRows(String sql, long expected) {
		Await.until( Duration.ofSeconds( 10 ), "the flusher wrote " + expected + " rows (" + sql + ")",
				() -> count( sql ) == expected );
	}
}
