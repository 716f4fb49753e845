package io.writebehind.internal.cache;

import org.hibernate.cache.spi.entry.CacheEntry;

/**
 * The committed state of one entity id, immutable and shared between threads: Hibernate's disassembled
 * {@link CacheEntry} (the same form the second-level cache stores: associations as ids, values deep-copied), or a
 * {@linkplain #deleted(String) deleted} marker.
 */
public final class EntitySnapshot {

	private final CacheEntry entry;
	private final String deletedEntityName;

	public EntitySnapshot(CacheEntry entry) {
		this.entry = entry;
		this.deletedEntityName = null;
	}

	private EntitySnapshot(String deletedEntityName) {
		this.entry = null;
		this.deletedEntityName = deletedEntityName;
	}

	/** The id, of the given concrete entity, was removed by a committed transaction. */
	public static EntitySnapshot deleted(String entityName) {
		return new EntitySnapshot( entityName );
	}

	public boolean isDeleted() {
		return entry == null;
	}

	/** The disassembled state; {@code null} when deleted. */
	public CacheEntry entry() {
		return entry;
	}

	/** The application-visible version, or {@code null} when deleted or unversioned. */
	public Object version() {
		return entry == null ? null : entry.getVersion();
	}

	/** The concrete entity name. */
	public String entityName() {
		return entry == null ? deletedEntityName : entry.getSubclass();
	}

	@Override
	public String toString() {
		return entry == null ? "DELETED " + deletedEntityName : entry.getSubclass() + "@v" + entry.getVersion();
	}
}
