package io.writebehind.spring;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindStats;

/**
 * The {@code writeBehind} health component. DOWN when the flusher has been unable to write for longer than
 * {@code writebehind.health.max-outage} ({@link WriteBehindStats#outage()}), or when the pending writes fill
 * {@code writebehind.health.max-queue-fill} of the queue's capacity (commits are about to be refused), or when the
 * latest journal append failed ({@link WriteBehindStats.JournalStats#failing()}: committed writes are not crash-safe);
 * UP otherwise,
 * also while paused or with failed writes (they need an operator, not a restart). UNKNOWN when no factory has
 * write-behind. With several factories, the worst of them, with the details of each under its bean name.
 */
final class WriteBehindHealthIndicator implements HealthIndicator {

	private final WriteBehindUnits units;
	private final WriteBehindProperties.Health settings;

	WriteBehindHealthIndicator(WriteBehindUnits units, WriteBehindProperties properties) {
		this.units = units;
		this.settings = properties.getHealth();
	}

	@Override
	public Health health() {
		Map<String, WriteBehind> all = units.all();
		if ( all.isEmpty() ) {
			return Health.unknown().withDetail( "reason", "write-behind is not active on any EntityManagerFactory" ).build();
		}
		if ( all.size() == 1 ) {
			return health( all.values().iterator().next() ).build();
		}
		Health.Builder combined = Health.up();
		for ( Map.Entry<String, WriteBehind> unit : all.entrySet() ) {
			Health health = health( unit.getValue() ).build();
			if ( health.getStatus().equals( Status.DOWN ) ) {
				combined.down();
			}
			combined.withDetail( unit.getKey(), Map.of( "status", health.getStatus().getCode(), "details",
					health.getDetails() ) );
		}
		return combined.build();
	}

	private Health.Builder health(WriteBehind writeBehind) {
		WriteBehindStats stats = writeBehind.stats();
		Map<String, Object> details = new LinkedHashMap<>();
		details.put( "pending", stats.pending() );
		details.put( "queueCapacity", stats.queueCapacity() );
		details.put( "failedWrites", writeBehind.failedWrites().size() );
		details.put( "lag", stats.lag().toMillis() + "ms" );
		details.put( "outage", stats.outage().toMillis() + "ms" );
		details.put( "paused", stats.paused() );
		WriteBehindStats.JournalStats journal = stats.journal();
		if ( journal != null ) {
			details.put( "journalAppendFailures", journal.appendFailures() );
		}
		Health.Builder health = Health.up();
		Duration maxOutage = settings.getMaxOutage();
		if ( stats.outage().compareTo( maxOutage ) > 0 ) {
			health.down();
			details.put( "reason", "the flusher has been unable to write for " + stats.outage().toMillis()
					+ "ms (writebehind.health.max-outage=" + maxOutage.toMillis() + "ms)" );
		}
		else if ( journal != null && journal.failing() ) {
			health.down();
			details.put( "reason", "the journal cannot append: the writes committed since its latest failure are not "
					+ "crash-safe (" + journal.appendFailures() + " failed append(s), see WB000460 in the log)" );
		}
		else if ( stats.queueCapacity() > 0
				&& stats.pending() >= Math.ceil( settings.getMaxQueueFill() * stats.queueCapacity() ) ) {
			health.down();
			details.put( "reason", "the queue is nearly full: " + stats.pending() + " of " + stats.queueCapacity()
					+ " pending (writebehind.health.max-queue-fill=" + settings.getMaxQueueFill() + ")" );
		}
		return health.withDetails( details );
	}
}
