package io.writebehind.core;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.testing.Await;
import io.writebehind.testing.FakeTicker;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Core point 5: the flusher writes when the maximum delay has passed or batch_size writes are pending. The queue runs
 * on a {@link FakeTicker}: "not before the deadline" is checked at the deadline minus one nanosecond, after every
 * flusher thread has looked at its queue at that time.
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

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.MAX_DELAY_MS, Long.toString( GLOBAL_DELAY.toMillis() ) );
		properties.put( WriteBehindSettings.BATCH_SIZE, "10" );
		properties.put( FakeTicker.SETTING, ticker );
	}

	@Test
	void batchSizePendingWritesStartAFlushBeforeTheDelay() {
		for ( long id = 1; id <= 9; id++ ) {
			long value = id;
			inTransaction( em -> em.persist( new Counter( value, "c", value ) ) );
		}
		ticker.advance( emf, GLOBAL_DELAY.minus( ONE_NANO ) );
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		inTransaction( em -> em.persist( new Counter( 10L, "c", 10 ) ) );
		awaitRows( "select count(*) from wb_counter", 10 );
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
