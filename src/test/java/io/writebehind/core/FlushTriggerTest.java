package io.writebehind.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** Core point 5: the flusher writes when the maximum delay has passed or batch_size writes are pending. */
class FlushTriggerTest extends WriteBehindTestBase {

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
		properties.put( WriteBehindSettings.MAX_DELAY_MS, "300000" );
		properties.put( WriteBehindSettings.BATCH_SIZE, "10" );
	}

	@Test
	void batchSizePendingWritesStartAFlushBeforeTheDelay() throws InterruptedException {
		for ( long id = 1; id <= 9; id++ ) {
			long value = id;
			inTransaction( em -> em.persist( new Counter( value, "c", value ) ) );
		}
		Thread.sleep( 200 );
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		inTransaction( em -> em.persist( new Counter( 10L, "c", 10 ) ) );
		awaitRows( "select count(*) from wb_counter", 10 );
	}

	@Test
	void thePerEntityDelayOverridesTheGlobalOne() throws InterruptedException {
		inTransaction( em -> em.persist( new Fast( 1L, "soon" ) ) );
		inTransaction( em -> em.persist( new Counter( 1L, "late", 1 ) ) );
		awaitRows( "select count(*) from wb_fast", 1 );
		Thread.sleep( 100 );
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
	}

	private void awaitRows(String sql, long expected) throws InterruptedException {
		long deadline = System.nanoTime() + 10_000_000_000L;
		while ( count( sql ) != expected ) {
			assertTrue( System.nanoTime() < deadline, "the flusher did not write within 10 s: " + count( sql ) );
			Thread.sleep( 10 );
		}
	}
}
