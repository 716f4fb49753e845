package io.writebehind.cluster.internal;

import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.writebehind.internal.queue.EntityRegion;

/**
 * The unit's opted-in hierarchies, by root entity name (as messages name them) and by region. Filled at construction,
 * read-only afterwards: safe for every thread.
 */
final class CoherentEntities {

	private final Map<String, CoherentEntity> byName;
	private final Map<EntityRegion, CoherentEntity> byRegion;

	CoherentEntities(List<CoherentEntity> entities) {
		Map<String, CoherentEntity> names = new LinkedHashMap<>();
		Map<EntityRegion, CoherentEntity> regions = new IdentityHashMap<>();
		for ( CoherentEntity entity : entities ) {
			names.put( entity.name(), entity );
			regions.put( entity.region(), entity );
		}
		this.byName = Collections.unmodifiableMap( names );
		this.byRegion = Collections.unmodifiableMap( regions );
	}

	/** The hierarchy a message names; {@code null} when it is not opted in on this node. */
	CoherentEntity named(String entityName) {
		return entityName == null ? null : byName.get( entityName );
	}

	/** The hierarchy of a region; {@code null} for a region this node does not keep coherent. */
	CoherentEntity of(EntityRegion region) {
		return byRegion.get( region );
	}

	Collection<CoherentEntity> all() {
		return byName.values();
	}

	/** The names of the hierarchies whose commits are claimed in the ledger. */
	List<String> ledgeredNames() {
		return byName.values().stream().filter( CoherentEntity::ledgered ).map( CoherentEntity::name ).toList();
	}

	/** The longest time a claim holds, over every hierarchy (rows older than that are purged). */
	long maxMarkTtlNanos() {
		long max = 0;
		for ( CoherentEntity entity : byName.values() ) {
			max = Math.max( max, entity.markTtlNanos() );
		}
		return max;
	}

	/** Evicts every clean entry of every hierarchy (pending writes stay). */
	void evictAll() {
		for ( CoherentEntity entity : byName.values() ) {
			entity.evictAll();
		}
	}

	/** Whether reads from the database are cached (only while the channel listens). */
	void cacheLoads(boolean cache) {
		for ( CoherentEntity entity : byName.values() ) {
			entity.cacheLoads( cache );
		}
	}
}
