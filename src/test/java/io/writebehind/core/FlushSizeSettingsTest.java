package io.writebehind.core;

import static io.writebehind.WriteBehindSettings.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.internal.config.WriteBehindConfig;

/**
 * The three sizes of the flusher (issue 16, goal 4): {@code flush_threshold} (the size trigger),
 * {@code flush_transaction_size} and {@code jdbc_batch_size}, their defaults, how they bound each other, and the
 * deprecated {@code batch_size} that used to be all three.
 */
@SuppressWarnings("deprecation")
class FlushSizeSettingsTest {

	@Test
	void theDefaultsLetAHotSetCoalesceAndDrainABacklogInLargeTransactions() {
		WriteBehindConfig config = config();
		assertEquals( 10_000, config.flushThreshold );
		assertEquals( 5_000, config.flushTransactionSize );
		assertEquals( 500, config.jdbcBatchSize );
		assertNull( config.deprecatedBatchSize );
		// two flusher threads, each at its share: 5,000 ids, still far above a hot set of 1,000
		assertEquals( 2, config.flusherThreads );
		assertEquals( 5_000, config.partitionFlushThreshold() );
		assertTrue( config.toString().contains( "flush_threshold=10000, flush_transaction_size=5000, jdbc_batch_size=500" ),
				config.toString() );
	}

	@Test
	void theJdbcBatchSizeDefaultsToHibernatesOwnSettingWithinTheTransactionSize() {
		assertEquals( 100, config( "hibernate.jdbc.batch_size", "100" ).jdbcBatchSize );
		assertEquals( 1, config( "hibernate.jdbc.batch_size", "0" ).jdbcBatchSize );
		assertEquals( 5_000, config( "hibernate.jdbc.batch_size", "10000" ).jdbcBatchSize );
		assertEquals( 50, config( FLUSH_TRANSACTION_SIZE, "50" ).jdbcBatchSize );
		assertEquals( 30, config( "hibernate.jdbc.batch_size", "100", JDBC_BATCH_SIZE, "30" ).jdbcBatchSize );
	}

	@Test
	void theDefaultThresholdStaysBelowASmallQueueCapacity() {
		assertEquals( 500, config( QUEUE_CAPACITY, "1000" ).flushThreshold );
		assertEquals( 1, config( QUEUE_CAPACITY, "1" ).flushThreshold );
		assertEquals( 10_000, config( QUEUE_CAPACITY, "1000000" ).flushThreshold );
		assertEquals( 1_000, config( QUEUE_CAPACITY, "1000", FLUSH_THRESHOLD, "1000" ).flushThreshold );
	}

	@Test
	void eachFlusherThreadStartsAtItsShareOfTheThreshold() {
		assertEquals( 4, config( FLUSH_THRESHOLD, "10", FLUSHER_THREADS, "3" ).partitionFlushThreshold() );
		assertEquals( 2_500, config( FLUSHER_THREADS, "4" ).partitionFlushThreshold() );
		assertEquals( 1, config( FLUSH_THRESHOLD, "1", FLUSHER_THREADS, "8" ).partitionFlushThreshold() );
	}

	@Test
	void badValuesNameTheKeyAndTheValue() {
		assertFails( "hibernate.writebehind.flush_threshold was 0, must be >= 1", FLUSH_THRESHOLD, "0" );
		assertFails( "hibernate.writebehind.flush_threshold was 'many', must be a whole number", FLUSH_THRESHOLD, "many" );
		assertFails( "hibernate.writebehind.flush_transaction_size was -1, must be >= 1", FLUSH_TRANSACTION_SIZE, "-1" );
		assertFails( "hibernate.writebehind.flush_transaction_size was 1000001, must be <= 1000000",
				FLUSH_TRANSACTION_SIZE, "1000001" );
		assertFails( "hibernate.writebehind.jdbc_batch_size was 0, must be >= 1", JDBC_BATCH_SIZE, "0" );
		assertFails( "hibernate.writebehind.batch_size was -5, must be >= 1", BATCH_SIZE, "-5" );
	}

	@Test
	void theSizesMustBeCoherent() {
		assertFails( "hibernate.writebehind.jdbc_batch_size was 600, must be <= hibernate.writebehind.flush_transaction_size "
				+ "(500): a JDBC batch never spans two flush transactions", JDBC_BATCH_SIZE, "600", FLUSH_TRANSACTION_SIZE, "500" );
		assertFails( "hibernate.writebehind.jdbc_batch_size was 5001, must be <= hibernate.writebehind.flush_transaction_size "
				+ "(5000)", JDBC_BATCH_SIZE, "5001" );
		assertFails( "hibernate.writebehind.flush_threshold was 100001, must be <= hibernate.writebehind.queue_capacity "
				+ "(100000)", FLUSH_THRESHOLD, "100001" );
		assertFails( "hibernate.writebehind.flush_threshold was 2000, must be <= hibernate.writebehind.queue_capacity "
				+ "(1000)", FLUSH_THRESHOLD, "2000", QUEUE_CAPACITY, "1000" );
	}

	@Test
	void theDeprecatedBatchSizeStandsForAllThree() {
		WriteBehindConfig config = config( BATCH_SIZE, "64" );
		assertEquals( 64, config.flushThreshold );
		assertEquals( 64, config.flushTransactionSize );
		assertEquals( 64, config.jdbcBatchSize );
		assertEquals( 64, config.deprecatedBatchSize );
		// as before: Hibernate's JDBC batch size wins over it, and so does the new key
		assertEquals( 20, config( BATCH_SIZE, "64", "hibernate.jdbc.batch_size", "20" ).jdbcBatchSize );
		assertEquals( 16, config( BATCH_SIZE, "64", JDBC_BATCH_SIZE, "16" ).jdbcBatchSize );
		// a batch_size above the queue's capacity meant "never by size"; it still does
		WriteBehindConfig above = config( BATCH_SIZE, "200000" );
		assertEquals( 100_000, above.flushThreshold );
		assertEquals( 200_000, above.flushTransactionSize );
		// the same value given both ways is no conflict
		assertEquals( 64, config( BATCH_SIZE, "64", FLUSH_THRESHOLD, "64", FLUSH_TRANSACTION_SIZE, "64" ).flushThreshold );
	}

	@Test
	void theDeprecatedBatchSizeAndANewKeyThatDisagreeFailNamingBoth() {
		assertFails( "hibernate.writebehind.batch_size was 500 and hibernate.writebehind.flush_threshold was 10000: "
				+ "hibernate.writebehind.batch_size is deprecated and stands for hibernate.writebehind.flush_threshold too",
				BATCH_SIZE, "500", FLUSH_THRESHOLD, "10000" );
		assertFails( "hibernate.writebehind.batch_size was 500 and hibernate.writebehind.flush_transaction_size was 400: ",
				BATCH_SIZE, "500", FLUSH_TRANSACTION_SIZE, "400" );
	}

	private static WriteBehindConfig config(String... keysAndValues) {
		Map<String, Object> settings = new HashMap<>();
		for ( int i = 0; i < keysAndValues.length; i += 2 ) {
			settings.put( keysAndValues[i], keysAndValues[i + 1] );
		}
		return WriteBehindConfig.from( settings );
	}

	private static void assertFails(String message, String... keysAndValues) {
		WriteBehindConfigurationException e = assertThrows( WriteBehindConfigurationException.class,
				() -> config( keysAndValues ) );
		assertTrue( e.getMessage().startsWith( message ), e.getMessage() );
	}
}
