package io.writebehind.spring;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindStats;

/**
 * The {@code writebehind} actuator endpoint: {@code GET /actuator/writebehind} gives the figures of every factory with
 * write-behind (by the factory's bean name), {@code POST /actuator/writebehind/{action}} acts on all of them:
 * {@code flush} (waits up to {@code writebehind.endpoint.flush-timeout}), {@code pause}, {@code resume},
 * {@code retry-failed}, {@code discard-failed}. Exposure and security are Actuator's usual ones
 * ({@code management.endpoints.web.exposure.include=writebehind}).
 */
@Endpoint(id = "writebehind")
final class WriteBehindEndpoint {

	private final WriteBehindUnits units;
	private final Duration flushTimeout;

	WriteBehindEndpoint(WriteBehindUnits units, WriteBehindProperties properties) {
		this.units = units;
		this.flushTimeout = properties.getEndpoint().getFlushTimeout();
	}

	@ReadOperation
	public Map<String, Object> stats() {
		Map<String, Object> all = new LinkedHashMap<>();
		units.all().forEach( (name, writeBehind) -> all.put( name, describe( writeBehind ) ) );
		return Map.of( "units", all );
	}

	@WriteOperation
	public Map<String, Object> act(@Selector String action) {
		Function<WriteBehind, Object> operation = switch ( action ) {
			case "flush" -> writeBehind -> Map.of( "flushed", writeBehind.flush( flushTimeout ) );
			case "pause" -> writeBehind -> {
				writeBehind.pause();
				return Map.of( "paused", true );
			};
			case "resume" -> writeBehind -> {
				writeBehind.resume();
				return Map.of( "paused", false );
			};
			case "retry-failed" -> writeBehind -> Map.of( "requeued", writeBehind.retryFailed() );
			case "discard-failed" -> writeBehind -> Map.of( "discarded", writeBehind.discardFailed() );
			default -> throw new InvalidEndpointRequestException( "Unknown write-behind action '" + action
					+ "': use flush, pause, resume, retry-failed or discard-failed", "unknown action" );
		};
		Map<String, Object> results = new LinkedHashMap<>();
		units.all().forEach( (name, writeBehind) -> results.put( name, operation.apply( writeBehind ) ) );
		return Map.of( "action", action, "units", results );
	}

	static Map<String, Object> describe(WriteBehind writeBehind) {
		WriteBehindStats stats = writeBehind.stats();
		Map<String, Object> figures = new LinkedHashMap<>();
		figures.put( "pending", stats.pending() );
		figures.put( "lagMillis", stats.lag().toMillis() );
		figures.put( "flushed", stats.flushed() );
		figures.put( "coalesced", stats.coalesced() );
		figures.put( "failed", stats.failed() );
		figures.put( "conflicts", stats.conflicts() );
		figures.put( "batches", stats.batches() );
		figures.put( "retries", stats.retries() );
		figures.put( "flushFailures", stats.flushFailures() );
		figures.put( "flushTimeMillis", stats.flushTime().toMillis() );
		figures.put( "outageMillis", stats.outage().toMillis() );
		figures.put( "queueCapacity", stats.queueCapacity() );
		figures.put( "queueRemainingCapacity", stats.queueRemainingCapacity() );
		figures.put( "queueFullRejections", stats.queueFullRejections() );
		figures.put( "cacheSize", stats.cacheSize() );
		figures.put( "cacheHits", stats.cacheHits() );
		figures.put( "cacheMisses", stats.cacheMisses() );
		figures.put( "paused", stats.paused() );
		figures.put( "failedWrites", writeBehind.failedWrites().size() );
		Map<String, Object> entities = new LinkedHashMap<>();
		stats.entities().forEach( (name, entity) -> {
			Map<String, Object> e = new LinkedHashMap<>();
			e.put( "pending", entity.pending() );
			e.put( "lagMillis", entity.lag().toMillis() );
			e.put( "flushed", entity.flushed() );
			e.put( "coalesced", entity.coalesced() );
			e.put( "failed", entity.failed() );
			e.put( "conflicts", entity.conflicts() );
			e.put( "retries", entity.retries() );
			e.put( "queueFullRejections", entity.queueFullRejections() );
			e.put( "cacheHits", entity.cacheHits() );
			e.put( "cacheMisses", entity.cacheMisses() );
			entities.put( name, e );
		} );
		figures.put( "entities", entities );
		if ( stats.cluster() != null ) {
			figures.put( "cluster", stats.cluster() );
		}
		if ( stats.journal() != null ) {
			figures.put( "journal", Map.of( "appendFailures", stats.journal().appendFailures(), "failing",
					stats.journal().failing() ) );
		}
		return figures;
	}
}
