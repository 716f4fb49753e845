package io.writebehind.metrics;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindListener;
import io.writebehind.cluster.internal.ClusterCoherence;
import io.writebehind.internal.FactoryLookup;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.RegionCounters;
import jakarta.persistence.EntityManagerFactory;

/**
 * Micrometer meters for the write-behind of one persistence unit, in Micrometer's dotted style under
 * {@code writebehind.}, tagged {@code unit} (the persistence unit) and, for per-entity figures, {@code entity} (the
 * root entity name of an opted-in hierarchy). {@code docs/observability.md} lists every meter.
 *
 * <pre>{@code
 * WriteBehindMetrics.monitor( registry, entityManagerFactory, Tags.of( "app", "shop" ) );
 * }</pre>
 *
 * Micrometer ({@code io.micrometer:micrometer-core}) is an optional dependency of hibernate-write-behind: only this
 * class uses it, so an application that does not call it needs no Micrometer on its class path. Bind after the
 * factory has started and while it is open; the meters read the live figures (gauges and function counters), and the
 * {@code writebehind.flush} timer is fed by a {@link WriteBehindListener} this binder adds. The
 * {@code writebehind.cluster.*} meters exist only when {@code cluster.channel} is not {@code none}.
 */
public final class WriteBehindMetrics implements MeterBinder {

	private static final String PREFIX = "writebehind.";

	private final WriteBehindRuntime runtime;
	private final Iterable<Tag> tags;

	/**
	 * @param entityManagerFactory Hibernate's factory, or one that wraps or proxies it (Spring's bean)
	 * @throws IllegalArgumentException if write-behind is not active on the factory, saying why (see
	 * {@link WriteBehind#of(EntityManagerFactory)})
	 */
	public WriteBehindMetrics(EntityManagerFactory entityManagerFactory, Iterable<Tag> tags) {
		Objects.requireNonNull( entityManagerFactory, "entityManagerFactory" );
		this.runtime = FactoryLookup.require( entityManagerFactory );
		this.tags = tags == null ? Tags.empty() : tags;
	}

	/** Binds the meters of the factory's write-behind to the registry, with extra tags. */
	public static void monitor(MeterRegistry registry, EntityManagerFactory entityManagerFactory, Iterable<Tag> tags) {
		new WriteBehindMetrics( entityManagerFactory, tags ).bindTo( registry );
	}

	/** Binds the meters of the factory's write-behind to the registry; {@code tags}: key/value pairs. */
	public static void monitor(MeterRegistry registry, EntityManagerFactory entityManagerFactory, String... tags) {
		monitor( registry, entityManagerFactory, Tags.of( tags ) );
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		WriteBehindRuntime rt = runtime;
		Tags unit = Tags.concat( tags, "unit", rt.unitName() );

		for ( EntityRegion region : rt.regions() ) {
			Tags entity = unit.and( "entity", region.entityName() );
			RegionCounters c = region.counters();
			Gauge.builder( PREFIX + "pending", region, EntityRegion::pendingCount ).tags( entity ).baseUnit( "writes" )
					.description( "Entity ids whose latest committed write has not reached the database" )
					.register( registry );
			TimeGauge.builder( PREFIX + "lag", region, TimeUnit.NANOSECONDS, r -> rt.queue().lagNanos( r ) )
					.tags( entity ).description( "Age of the oldest committed write that has not reached the database" )
					.register( registry );
			counter( registry, "flushed", entity, c, x -> x.flushed.sum(), "Rows written to the database" );
			counter( registry, "coalesced", entity, c, x -> x.coalesced.sum(),
					"Commits merged into a pending write of the same id (no statement of their own)" );
			counter( registry, "failed", entity, c, x -> x.failed.sum(),
					"Writes the database refused for good (to failure handling)" );
			counter( registry, "conflicts", entity, c, x -> x.conflicts.sum(),
					"Writes whose version check failed at flush (row changed behind write-behind's back)" );
			counter( registry, "retries", entity, c, x -> x.retries.sum(),
					"Writes put back in the queue after a transient failure of their flush (one per write and attempt)" );
			counter( registry, "queue.rejections", entity, c, x -> x.queueFullRejections.sum(),
					"Commits with writes of this entity refused because the queue was full" );
			counter( registry, "cache.hits", entity, c, x -> x.cacheHits.sum(),
					"Application reads answered without SQL, from a pending write or the read cache" );
			counter( registry, "cache.misses", entity, c, x -> x.cacheMisses.sum(),
					"Application reads that went to the database" );
		}

		FunctionCounter.builder( PREFIX + "batches", rt, r -> r.counters().batches() ).tags( unit )
				.description( "Flush transactions committed (writes found applied after an uncertain commit ran none)" ).register( registry );
		FunctionCounter.builder( PREFIX + "flush.failures", rt, r -> r.counters().flushFailures() ).tags( unit )
				.description( "Flush attempts that failed for a transient reason and were retried (one per attempt)" )
				.register( registry );
		Gauge.builder( PREFIX + "queue.remaining", rt, r -> r.queue().remainingCapacity() ).tags( unit )
				.baseUnit( "writes" ).description( "Room left in the queue (queue_capacity minus pending ids)" )
				.register( registry );
		Gauge.builder( PREFIX + "paused", rt, r -> r.isPaused() ? 1 : 0 ).tags( unit )
				.description( "1 while flushing is paused, else 0" ).register( registry );
		Gauge.builder( PREFIX + "cache.size", rt, r -> r.cache().size() ).tags( unit ).baseUnit( "entities" )
				.description( "Clean entities held by the read cache" ).register( registry );

		ClusterCoherence coherence = rt.coherence();
		if ( coherence != null ) {
			Gauge.builder( PREFIX + "cluster.listening", coherence, c -> c.listening() ? 1 : 0 ).tags( unit )
					.description( "1 while the coherence channel listens (other nodes' messages are received), else 0" )
					.register( registry );
			clusterCounter( registry, "cluster.messages.sent", unit, coherence, ClusterCoherence::messagesSent,
					"Coherence messages this node published" );
			clusterCounter( registry, "cluster.messages.received", unit, coherence, ClusterCoherence::messagesReceived,
					"Coherence messages of other nodes this node received" );
			clusterCounter( registry, "cluster.evictions", unit, coherence, ClusterCoherence::idsEvicted,
					"Ids evicted because another node committed a write of them" );
			clusterCounter( registry, "cluster.gaps", unit, coherence, ClusterCoherence::gaps,
					"Times every clean entry was evicted because coherence messages may have been missed" );
			clusterCounter( registry, "cluster.commits.refused", unit, coherence, ClusterCoherence::commitsRefused,
					"Commits of this node the cluster version ledger refused" );
			clusterCounter( registry, "cluster.flush.requests.sent", unit, coherence, ClusterCoherence::flushRequestsSent,
					"Ids this node asked the other nodes to write now, after the version ledger refused a commit" );
			clusterCounter( registry, "cluster.flush.requests.served", unit, coherence,
					ClusterCoherence::flushRequestsServed, "Pending writes this node wrote early because another node asked" );
			clusterCounter( registry, "cluster.messages.malformed", unit, coherence, ClusterCoherence::malformedMessages,
					"Coherence messages ignored: malformed, or not signed with cluster.secret" );
		}

		Timer flush = Timer.builder( PREFIX + "flush" ).tags( unit )
				.description( "Duration of the flush transactions that committed" )
				.publishPercentiles( 0.5, 0.95, 0.99 ).publishPercentileHistogram()
				.register( registry );
		rt.addListener( new TimerListener( flush ) );
	}

	private static void counter(MeterRegistry registry, String name, Tags tags, RegionCounters counters,
			ToDoubleFunction<RegionCounters> value, String description) {
		FunctionCounter.builder( PREFIX + name, counters, value ).tags( tags ).description( description )
				.register( registry );
	}

	private static void clusterCounter(MeterRegistry registry, String name, Tags tags, ClusterCoherence coherence,
			ToDoubleFunction<ClusterCoherence> value, String description) {
		FunctionCounter.builder( PREFIX + name, coherence, value ).tags( tags ).description( description )
				.register( registry );
	}

	/** Feeds the flush timer. */
	private static final class TimerListener implements WriteBehindListener {
		private final Timer timer;

		TimerListener(Timer timer) {
			this.timer = timer;
		}

		@Override
		public void batchFlushed(String persistenceUnit, int writes, Duration duration) {
			timer.record( duration );
		}

		@Override
		public String toString() {
			return "WriteBehindMetrics[" + timer.getId() + "]";
		}
	}
}
