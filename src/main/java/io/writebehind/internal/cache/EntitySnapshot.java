package io.writebehind.internal.cache;

/**
 * The committed state of one entity id, immutable and shared between threads: an {@link EntityState}, or a
 * {@linkplain #deleted(String) deleted} marker.
 */
public final class EntitySnapshot {

	private final EntityState entry;
	private final String deletedEntityName;

	public EntitySnapshot(EntityState entry) {
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
	public EntityState entry() {
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
