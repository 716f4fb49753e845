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
import io.writebehind.WriteBehindStats;
import io.writebehind.WriteBehindStats.ClusterStats;
import io.writebehind.WriteBehindStats.EntityStats;
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
 * factory has started and while it is open; the meters read the live figures of {@link WriteBehind#stats()} (gauges
 * and function counters), and the {@code writebehind.flush} timer is fed by a {@link WriteBehindListener} this binder
 * adds. The {@code writebehind.cluster.*} meters exist only when {@code cluster.channel} is not {@code none}, the
 * {@code writebehind.journal.*} ones only with {@code journal.dir}. Reads the public API only.
 */
public final class WriteBehindMetrics implements MeterBinder {

	private static final String PREFIX = "writebehind.";

	private final WriteBehind writeBehind;
	private final String unitName;
	private final Iterable<Tag> tags;

	/**
	 * @param entityManagerFactory Hibernate's factory, or one that wraps or proxies it (Spring's bean)
	 * @throws IllegalArgumentException if write-behind is not active on the factory, saying why (see
	 * {@link WriteBehind#of(EntityManagerFactory)})
	 */
	public WriteBehindMetrics(EntityManagerFactory entityManagerFactory, Iterable<Tag> tags) {
		Objects.requireNonNull( entityManagerFactory, "entityManagerFactory" );
		this.writeBehind = WriteBehind.of( entityManagerFactory );
		this.unitName = writeBehind.persistenceUnit();
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
		WriteBehind wb = writeBehind;
		Tags unit = Tags.concat( tags, "unit", unitName );
		WriteBehindStats now = wb.stats();

		for ( String name : now.entities().keySet() ) {
			Tags entity = unit.and( "entity", name );
			Gauge.builder( PREFIX + "pending", wb, w -> entity( w, name ).pending() ).tags( entity ).baseUnit( "writes" )
					.description( "Entity ids whose latest committed write has not reached the database" )
					.register( registry );
			TimeGauge.builder( PREFIX + "lag", wb, TimeUnit.NANOSECONDS, w -> entity( w, name ).lag().toNanos() )
					.tags( entity ).description( "Age of the oldest committed write that has not reached the database" )
					.register( registry );
			counter( registry, "flushed", entity, wb, name, EntityStats::flushed, "Rows written to the database" );
			counter( registry, "coalesced", entity, wb, name, EntityStats::coalesced,
					"Commits merged into a pending write of the same id (no statement of their own)" );
			counter( registry, "failed", entity, wb, name, EntityStats::failed,
					"Writes the database refused for good (to failure handling)" );
			counter( registry, "conflicts", entity, wb, name, EntityStats::conflicts,
					"Writes whose version check failed at flush (row changed behind write-behind's back)" );
			counter( registry, "retries", entity, wb, name, EntityStats::retries,
					"Writes put back in the queue after a transient failure of their flush (one per write and attempt)" );
			counter( registry, "queue.rejections", entity, wb, name, EntityStats::queueFullRejections,
					"Commits with writes of this entity refused because the queue was full" );
			counter( registry, "cache.hits", entity, wb, name, EntityStats::cacheHits,
					"Application reads answered without SQL, from a pending write or the read cache" );
			counter( registry, "cache.misses", entity, wb, name, EntityStats::cacheMisses,
					"Application reads that went to the database" );
		}

		FunctionCounter.builder( PREFIX + "batches", wb, w -> w.stats().batches() ).tags( unit )
				.description( "Flush transactions committed (writes found applied after an uncertain commit ran none)" )
				.register( registry );
		FunctionCounter.builder( PREFIX + "flush.failures", wb, w -> w.stats().flushFailures() ).tags( unit )
				.description( "Flush attempts that failed for a transient reason and were retried (one per attempt)" )
				.register( registry );
		Gauge.builder( PREFIX + "queue.remaining", wb, w -> w.stats().queueRemainingCapacity() ).tags( unit )
				.baseUnit( "writes" ).description( "Room left in the queue (queue_capacity minus pending ids)" )
				.register( registry );
		Gauge.builder( PREFIX + "paused", wb, w -> w.isPaused() ? 1 : 0 ).tags( unit )
				.description( "1 while flushing is paused, else 0" ).register( registry );
		Gauge.builder( PREFIX + "cache.size", wb, w -> w.stats().cacheSize() ).tags( unit ).baseUnit( "entities" )
				.description( "Clean entities held by the read cache" ).register( registry );

		if ( now.journal() != null ) {
			FunctionCounter.builder( PREFIX + "journal.append.failures", wb, w -> w.stats().journal().appendFailures() )
					.tags( unit ).description( "Committed transactions whose writes could not be appended to the journal "
							+ "(queued, but lost by a crash before they reach the database)" )
					.register( registry );
			Gauge.builder( PREFIX + "journal.failing", wb, w -> w.stats().journal().failing() ? 1 : 0 ).tags( unit )
					.description( "1 while the latest journal append failed, else 0" ).register( registry );
		}

		if ( now.cluster() != null ) {
			Gauge.builder( PREFIX + "cluster.listening", wb, w -> w.stats().cluster().listening() ? 1 : 0 ).tags( unit )
					.description( "1 while the coherence channel listens (other nodes' messages are received), else 0" )
					.register( registry );
			clusterCounter( registry, "cluster.messages.sent", unit, wb, ClusterStats::messagesSent,
					"Coherence messages this node published" );
			clusterCounter( registry, "cluster.messages.received", unit, wb, ClusterStats::messagesReceived,
					"Coherence messages of other nodes this node received" );
			clusterCounter( registry, "cluster.evictions", unit, wb, ClusterStats::idsEvicted,
					"Ids evicted because another node committed a write of them" );
			clusterCounter( registry, "cluster.gaps", unit, wb, ClusterStats::gaps,
					"Times every clean entry was evicted because coherence messages may have been missed" );
			clusterCounter( registry, "cluster.commits.refused", unit, wb, ClusterStats::commitsRefused,
					"Commits of this node the cluster version ledger refused" );
			clusterCounter( registry, "cluster.flush.requests.sent", unit, wb, ClusterStats::flushRequestsSent,
					"Ids this node asked the other nodes to write now, after the version ledger refused a commit" );
			clusterCounter( registry, "cluster.flush.requests.served", unit, wb, ClusterStats::flushRequestsServed,
					"Pending writes this node wrote early because another node asked" );
			clusterCounter( registry, "cluster.messages.malformed", unit, wb, ClusterStats::malformedMessages,
					"Coherence messages ignored: malformed, or not signed with cluster.secret" );
			clusterCounter( registry, "cluster.leases.acquired", unit, wb, ClusterStats::leasesAcquired,
					"Leases of buckets this node took (cluster.version_check=lease), a database round trip each" );
			clusterCounter( registry, "cluster.leases.renewed", unit, wb, ClusterStats::leasesRenewed,
					"Renewals of this node's leases (cluster.version_check=lease)" );
			clusterCounter( registry, "cluster.leases.handed.over", unit, wb, ClusterStats::leaseHandOvers,
					"Leases this node handed over to another node on its request (cluster.version_check=lease)" );
		}

		Timer flush = Timer.builder( PREFIX + "flush" ).tags( unit )
				.description( "Duration of the flush transactions that committed" )
				.publishPercentiles( 0.5, 0.95, 0.99 ).publishPercentileHistogram()
				.register( registry );
		wb.addListener( new TimerListener( flush ) );
	}

	private static EntityStats entity(WriteBehind writeBehind, String name) {
		return writeBehind.stats().entities().get( name );
	}

	private static void counter(MeterRegistry registry, String name, Tags tags, WriteBehind writeBehind, String entity,
			ToDoubleFunction<EntityStats> value, String description) {
		FunctionCounter.builder( PREFIX + name, writeBehind, w -> value.applyAsDouble( entity( w, entity ) ) ).tags( tags )
				.description( description ).register( registry );
	}

	private static void clusterCounter(MeterRegistry registry, String name, Tags tags, WriteBehind writeBehind,
			ToDoubleFunction<ClusterStats> value, String description) {
		FunctionCounter.builder( PREFIX + name, writeBehind, w -> value.applyAsDouble( w.stats().cluster() ) ).tags( tags )
				.description( description ).register( registry );
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
