package io.writebehind.observability;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;
import io.writebehind.metrics.WriteBehindMetrics;
import io.writebehind.model.Counter;
import io.writebehind.testing.Await;
import io.writebehind.testing.WriteBehindTestBase;

/**
 * Issue 15, point 5: one meaning per counter. {@code retries} counts writes put back after a transient failure (one
 * per write and attempt) at unit and at entity level; {@code flushFailures} counts the failed attempts;
 * {@code batches} counts flush transactions that committed, not writes found applied without one. The same figures
 * through stats, Micrometer and JMX.
 */
class CounterMeaningTest extends WriteBehindTestBase {

	private static final String COUNTER = Counter.class.getName();

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "10" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "30" );
		// nothing is due before flush() asks: every attempt carries the three writes together
		properties.put( WriteBehindSettings.MAX_DELAY_MS, "600000" );
		properties.put( WriteBehindSettings.FLUSHER_THREADS, "1" );
	}

	@Test
	void retriesCountWritesAndFlushFailuresCountAttempts() throws Exception {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		WriteBehindMetrics.monitor( registry, emf );
		WriteBehind wb = writeBehind();
		inTransaction( em -> {
			for ( long id = 1; id <= 3; id++ ) {
				em.persist( new Counter( id, "c", id ) );
			}
		} );
		connections.down( true );
		assertFalse( wb.flush( Duration.ofMillis( 50 ) ) );
		Await.until( Duration.ofSeconds( 30 ), "two failed flush attempts", () -> wb.stats().flushFailures() >= 2 );
		connections.down( false );
		wb.flush();

		WriteBehindStats stats = wb.stats();
		assertEquals( 3, stats.flushed(), stats.toString() );
		assertEquals( 1, stats.batches(), "one flush transaction committed: " + stats );
		assertTrue( stats.flushFailures() >= 2, stats.toString() );
		assertEquals( 3 * stats.flushFailures(), stats.retries(), "three writes put back per failed attempt: " + stats );
		assertEquals( stats.retries(), stats.entities().get( COUNTER ).retries(), "the unit's retries sum the entities'" );

		String unit = "unit";
		assertEquals( stats.flushFailures(),
				registry.get( "writebehind.flush.failures" ).tag( unit, "wb-test" ).functionCounter().count() );
		assertEquals( stats.retries(), registry.get( "writebehind.retries" ).tag( "entity", COUNTER ).functionCounter().count() );
		assertEquals( stats.batches(), registry.get( "writebehind.batches" ).tag( unit, "wb-test" ).functionCounter().count() );

		MBeanServer server = ManagementFactory.getPlatformMBeanServer();
		ObjectName name = server.queryNames( new ObjectName( "io.writebehind:type=WriteBehind,unit=\"wb-test\",*" ), null )
				.iterator().next();
		assertEquals( stats.flushFailures(), server.getAttribute( name, "FlushFailures" ) );
		assertEquals( stats.retries(), server.getAttribute( name, "Retries" ) );
		assertEquals( stats.batches(), server.getAttribute( name, "Batches" ) );

		// without journal.dir: no journal figures, no journal meters
		assertNull( stats.journal() );
		assertNull( registry.find( "writebehind.journal.append.failures" ).functionCounter() );
		assertEquals( 0L, server.getAttribute( name, "JournalAppendFailures" ) );
	}

	@Test
	void writesFoundAppliedAfterAnUncertainCommitAreNoFlushTransaction() {
		inTransaction( em -> {
			for ( long id = 1; id <= 10; id++ ) {
				em.persist( new Counter( id, "c", id ) );
			}
		} );
		connections.loseCommitAnswers( 1, "write-behind-flusher" );
		writeBehind().flush();

		WriteBehindStats stats = writeBehind().stats();
		assertEquals( 10, count( "select count(*) from wb_counter" ) );
		assertEquals( 10, stats.flushed(), stats.toString() );
		// the one transaction that wrote them reported no commit; the retry found them applied and ran none
		assertEquals( 0, stats.batches(), stats.toString() );
		assertEquals( 1, stats.flushFailures(), stats.toString() );
		assertEquals( 10, stats.retries(), stats.toString() );
		assertEquals( Duration.ZERO, stats.flushTime(), stats.toString() );
	}
}
