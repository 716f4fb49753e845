package io.writebehind.observability;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.writebehind.FailedWrite;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;
import io.writebehind.metrics.WriteBehindMetrics;
import io.writebehind.model.Counter;
import io.writebehind.model.Note;
import io.writebehind.testing.Await;
import io.writebehind.testing.FakeTicker;
import io.writebehind.testing.WriteBehindTestBase;

import io.writebehind.testing.NeedsServers;

/**
 * Issue 8: the Micrometer meters (scraped from a {@link SimpleMeterRegistry}) and {@link WriteBehindStats} against a
 * known workload: inserts, coalesced updates, a conflict made with plain JDBC, a failure made with a too-long value,
 * a transient outage, a pause.
 */
class MetricsTest extends WriteBehindTestBase {

	private static final String COUNTER = Counter.class.getName();

	/** The queue's time: the lag of the paused writes is the time the test moved it by, not a sleep. */
	private final FakeTicker ticker = new FakeTicker();

	/** The workload counts cache misses: database reads are cached at READ COMMITTED (not at MariaDB's default). */
	@Override
	protected Integer transactionIsolation() {
		return java.sql.Connection.TRANSACTION_READ_COMMITTED;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class, Note.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "20" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "50" );
		properties.put( FakeTicker.SETTING, ticker );
	}

	private double counter(MeterRegistry registry, String name) {
		return registry.get( name ).tags( "unit", "wb-test", "entity", COUNTER, "app", "test" ).functionCounter().count();
	}

	private double unitCounter(MeterRegistry registry, String name) {
		return registry.get( name ).tags( "unit", "wb-test", "app", "test" ).functionCounter().count();
	}

	private double gauge(MeterRegistry registry, String name, boolean perEntity) {
		var search = registry.get( name ).tags( "unit", "wb-test", "app", "test" );
		if ( perEntity ) {
			search = search.tag( "entity", COUNTER );
		}
		return search.gauge().value();
	}

	@Test
	void metersAndStatsMatchAKnownWorkload() throws Exception {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		WriteBehindMetrics.monitor( registry, emf, Tags.of( "app", "test" ) );
		WriteBehind wb = writeBehind();

		// 10 inserts, one flush transaction
		for ( long id = 1; id <= 10; id++ ) {
			long value = id;
			inTransaction( em -> em.persist( new Counter( value, "c", value ) ) );
		}
		assertEquals( 10, gauge( registry, "writebehind.pending", true ) );
		wb.flush();
		assertEquals( 10, counter( registry, "writebehind.flushed" ) );
		assertEquals( 1, unitCounter( registry, "writebehind.batches" ) );
		assertEquals( 0, gauge( registry, "writebehind.pending", true ) );
		assertEquals( 0, registry.get( "writebehind.lag" ).tag( "entity", COUNTER ).timeGauge().value() );

		// 5 updates of one id: one write, 4 coalesced
		for ( int i = 0; i < 5; i++ ) {
			inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		}
		wb.flush();
		assertEquals( 11, counter( registry, "writebehind.flushed" ) );
		assertEquals( 4, counter( registry, "writebehind.coalesced" ) );

		// a conflict: the row changed behind write-behind's back
		update( "update wb_counter set version = version + 1, total = 99 where id = 2" );
		inTransaction( em -> em.find( Counter.class, 2L ).increment() );
		wb.flush();
		assertEquals( 1, counter( registry, "writebehind.conflicts" ) );
		assertEquals( 0, counter( registry, "writebehind.failed" ) );

		// a permanent failure: a value too long for its column
		inTransaction( em -> em.find( Counter.class, 3L ).setName( "x".repeat( 300 ) ) );
		wb.flush();
		assertEquals( 1, counter( registry, "writebehind.failed" ) );
		assertEquals( 11, counter( registry, "writebehind.flushed" ) );
		assertEquals( 2, wb.failedWrites().size() );
		assertEquals( FailedWrite.Reason.CONFLICT, wb.failedWrites().get( 0 ).reason() );
		assertEquals( FailedWrite.Reason.FAILED, wb.failedWrites().get( 1 ).reason() );

		// a transient outage: the write is retried, then written
		connections.down( true );
		inTransaction( em -> em.find( Counter.class, 4L ).increment() );
		assertFalse( wb.flush( Duration.ofMillis( 300 ) ) );
		assertTrue( counter( registry, "writebehind.retries" ) >= 1 );
		assertTrue( unitCounter( registry, "writebehind.flush.failures" ) >= 1 );
		connections.down( false );
		wb.flush();
		assertEquals( 12, counter( registry, "writebehind.flushed" ) );

		// pause: commits are accepted, nothing is written, flush says so at once; resume writes them
		wb.pause();
		assertEquals( 1, gauge( registry, "writebehind.paused", false ) );
		for ( long id = 100; id < 103; id++ ) {
			long value = id;
			inTransaction( em -> em.persist( new Counter( value, "p", value ) ) );
		}
		ticker.advance( Duration.ofMillis( 60 ) );
		long started = System.nanoTime();
		assertFalse( wb.flush( Duration.ofSeconds( 30 ) ) );
		assertThrows( IllegalStateException.class, wb::flush );
		assertTrue( System.nanoTime() - started < 5_000_000_000L, "flush while paused must not wait" );
		assertEquals( 3, gauge( registry, "writebehind.pending", true ) );
		double lagSeconds = registry.get( "writebehind.lag" ).tag( "entity", COUNTER ).timeGauge().value();
		assertTrue( lagSeconds >= 0.05, "lag " + lagSeconds );
		assertEquals( 0, count( "select count(*) from wb_counter where id >= 100" ) );
		WriteBehindStats paused = wb.stats();
		assertTrue( paused.paused() );
		assertTrue( paused.lag().toMillis() >= 50, paused.toString() );
		assertEquals( 3, paused.entities().get( COUNTER ).pending() );
		wb.resume();
		wb.flush();
		assertEquals( 3, count( "select count(*) from wb_counter where id >= 100" ) );
		assertEquals( 0, gauge( registry, "writebehind.paused", false ) );
		assertEquals( 15, counter( registry, "writebehind.flushed" ) );

		// cache figures: a find served from the cache is a hit
		double hitsBefore = counter( registry, "writebehind.cache.hits" );
		double missesBefore = counter( registry, "writebehind.cache.misses" );
		fromTransaction( em -> em.find( Counter.class, 5L ) );
		assertEquals( hitsBefore + 1, counter( registry, "writebehind.cache.hits" ) );
		// a row the cache does not know is read from the database once: one miss, then hits
		update( "insert into wb_counter (id, name, total, version) values (500, 'db', 1, 0)" );
		fromTransaction( em -> em.find( Counter.class, 500L ) );
		fromTransaction( em -> em.find( Counter.class, 500L ) );
		assertEquals( missesBefore + 1, counter( registry, "writebehind.cache.misses" ) );
		assertEquals( hitsBefore + 2, counter( registry, "writebehind.cache.hits" ) );
		assertTrue( gauge( registry, "writebehind.cache.size", false ) > 0 );

		// the timer saw every committed flush transaction
		Timer flush = registry.get( "writebehind.flush" ).tags( "unit", "wb-test" ).timer();
		long batches = (long) unitCounter( registry, "writebehind.batches" );
		assertEquals( batches, flush.count() );
		assertTrue( flush.totalTime( java.util.concurrent.TimeUnit.NANOSECONDS ) > 0 );

		// stats() tells the same figures
		WriteBehindStats stats = wb.stats();
		WriteBehindStats.EntityStats counter = stats.entities().get( COUNTER );
		assertEquals( 15, stats.flushed() );
		assertEquals( 15, counter.flushed() );
		assertEquals( 4, counter.coalesced() );
		assertEquals( stats.coalesced(), counter.coalesced() );
		assertEquals( 1, counter.conflicts() );
		assertEquals( 1, counter.failed() );
		assertEquals( 0, counter.pending() );
		assertEquals( Duration.ZERO, counter.lag() );
		assertEquals( counter( registry, "writebehind.retries" ), counter.retries() );
		assertEquals( unitCounter( registry, "writebehind.flush.failures" ), stats.flushFailures() );
		assertEquals( counter.retries(), stats.retries(), "one meaning: writes put back, at unit and entity level" );
		assertEquals( batches, stats.batches() );
		assertEquals( counter( registry, "writebehind.cache.hits" ), stats.cacheHits() );
		assertEquals( counter( registry, "writebehind.cache.misses" ), stats.cacheMisses() );
		assertEquals( stats.cacheHits(), counter.cacheHits() );
		assertEquals( stats.cacheMisses(), counter.cacheMisses() );
		assertFalse( stats.paused() );
		assertEquals( 0, stats.queueFullRejections() );
		assertThrows( UnsupportedOperationException.class, () -> stats.entities().clear() );
	}

	@Test
	void withoutAChannelThereAreNoClusterFiguresNorMeters() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		WriteBehindMetrics.monitor( registry, emf, "app", "test" );
		inTransaction( em -> em.persist( new Counter( 1L, "c", 1 ) ) );
		writeBehind().flush();
		WriteBehindStats stats = writeBehind().stats();
		assertNull( stats.cluster(), "cluster.channel=none: no cluster figures" );
		assertFalse( stats.toString().contains( "cluster" ), stats.toString() );
		assertTrue( registry.getMeters().stream().noneMatch( m -> m.getId().getName().startsWith( "writebehind.cluster." ) ),
				"no writebehind.cluster.* meter without a channel" );
		assertNull( registry.find( "writebehind.cluster.listening" ).gauge() );
		// the other meters are there
		assertEquals( 1, unitCounter( registry, "writebehind.batches" ) );
	}

	@Test
	@NeedsServers
	void withARedisChannelTheClusterMetersTellTheClusterFigures() {
		emf.close();
		String channel = "wbtest_metrics_" + java.util.UUID.randomUUID().toString().replace( "-", "" ).substring( 0, 12 );
		Map<String, Object> settings = Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "redis",
				WriteBehindSettings.CLUSTER_REDIS_URI, REDIS_URI, WriteBehindSettings.CLUSTER_CHANNEL_NAME, channel );
		emf = buildFactory( connections, settings );
		Map<String, Object> other = new java.util.HashMap<>( settings );
		other.put( "hibernate.hbm2ddl.auto", "none" );
		jakarta.persistence.EntityManagerFactory nodeB = buildFactory( connections, other );
		try {
			SimpleMeterRegistry registry = new SimpleMeterRegistry();
			WriteBehindMetrics.monitor( registry, emf, "app", "test" );
			awaitTrue( () -> writeBehind().stats().cluster().listening() && WriteBehind.of( nodeB ).stats().cluster()
					.listening(), "both nodes listen on Redis at " + REDIS_URI + " (is it running?)" );
			assertEquals( 1, gauge( registry, "writebehind.cluster.listening", false ) );

			// node B commits: node A receives its message and evicts the id; node A commits: it publishes
			inTransaction( nodeB, em -> em.persist( new Counter( 1L, "b", 1 ) ) );
			WriteBehind.of( nodeB ).flush();
			awaitTrue( () -> unitCounter( registry, "writebehind.cluster.messages.received" ) >= 1
					&& unitCounter( registry, "writebehind.cluster.evictions" ) >= 1, "node A heard of node B's commit" );
			inTransaction( em -> em.persist( new Counter( 2L, "a", 2 ) ) );
			awaitTrue( () -> unitCounter( registry, "writebehind.cluster.messages.sent" ) >= 1, "node A published" );
			writeBehind().flush();

			WriteBehindStats.ClusterStats cluster = writeBehind().stats().cluster();
			assertNotNull( cluster );
			assertEquals( "redis", cluster.channel() );
			assertTrue( cluster.listening() );
			assertTrue( cluster.messagesSent() >= 1 && cluster.messagesReceived() >= 1 && cluster.idsEvicted() >= 1,
					cluster.toString() );
			assertTrue( writeBehind().stats().toString().contains( "cluster=" ) );
			for ( String name : new String[] { "messages.sent", "messages.received", "evictions" } ) {
				assertTrue( unitCounter( registry, "writebehind.cluster." + name ) >= 1, name );
			}
			// nothing refused, nothing asked, nothing missed
			for ( String name : new String[] { "gaps", "commits.refused", "flush.requests.sent",
					"flush.requests.served" } ) {
				assertEquals( 0, unitCounter( registry, "writebehind.cluster." + name ), name );
			}
			assertEquals( 0, cluster.gaps() + cluster.commitsRefused() + cluster.flushRequestsSent()
					+ cluster.flushRequestsServed(), cluster.toString() );
		}
		finally {
			nodeB.close();
		}
	}

	static final String REDIS_URI = System.getProperty( "writebehind.test.redis.uri",
			System.getenv().getOrDefault( "WRITEBEHIND_TEST_REDIS_URI", "redis://127.0.0.1:6379" ) );

	static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
		io.writebehind.testing.Await.until( java.time.Duration.ofSeconds( 20 ), what, condition );
	}

	@Test
	void queueFullRejectionsAreCountedWhilePaused() {
		emf.close();
		emf = buildFactory( connections, Map.of( WriteBehindSettings.QUEUE_CAPACITY, "5",
				WriteBehindSettings.QUEUE_FULL_TIMEOUT_MS, "50" ) );
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		WriteBehindMetrics.monitor( registry, emf, "app", "test" );
		WriteBehind wb = writeBehind();
		wb.pause();
		for ( long id = 1; id <= 5; id++ ) {
			long value = id;
			inTransaction( em -> em.persist( new Counter( value, "c", value ) ) );
		}
		assertEquals( 0, gauge( registry, "writebehind.queue.remaining", false ) );
		assertThrows( RuntimeException.class, () -> inTransaction( em -> em.persist( new Counter( 6L, "c", 6 ) ) ) );
		// an update of a pending id takes no new room
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		assertEquals( 1, counter( registry, "writebehind.queue.rejections" ) );
		assertEquals( 1, wb.stats().queueFullRejections() );
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		wb.resume();
		wb.flush();
		assertEquals( 5, count( "select count(*) from wb_counter" ) );
		assertEquals( 5, gauge( registry, "writebehind.queue.remaining", false ) );
	}

	@Test
	void closingWhilePausedResumesAndDrains() {
		inTransaction( em -> em.persist( new Counter( 1L, "c", 1 ) ) );
		writeBehind().pause();
		inTransaction( em -> em.persist( new Counter( 2L, "c", 2 ) ) );
		emf.close();
		assertEquals( 2, count( "select count(*) from wb_counter" ) );
	}

	@Test
	void resumeDrainsEverythingAtOnceWithoutWaitingForTheDelay() {
		// the base sets max_delay_ms to ten minutes: after resume() nothing waits for it
		WriteBehind wb = writeBehind();
		wb.pause();
		inTransaction( em -> em.persist( new Counter( 1L, "c", 1 ) ) );
		wb.resume();
		Await.until( Duration.ofSeconds( 10 ), "the write resumed is in the database",
				() -> count( "select count(*) from wb_counter" ) != 0 );
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
	}
}
