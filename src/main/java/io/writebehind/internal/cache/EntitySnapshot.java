package io.writebehind.internal.cache;

/**
 * The committed state of one entity id, immutable and shared between threads: either an {@link EntityState} (the
 * state is its own snapshot, no wrapper) or {@link Deleted}, the marker of an id a committed transaction removed.
 * Sealed: there is no third kind, and no {@code null} stands for "deleted".
 */
public sealed interface EntitySnapshot permits EntityState, EntitySnapshot.Deleted {

	/** The id, of the given concrete entity, was removed by a committed transaction. */
	static EntitySnapshot deleted(String entityName) {
		return new Deleted( entityName );
	}

	/** An existing state as a snapshot (the state itself). */
	static EntitySnapshot of(EntityState state) {
		if ( state == null ) {
			throw new IllegalArgumentException( "a snapshot of an existing entity needs its state" );
		}
		return state;
	}

	/** Whether a committed transaction removed the id. */
	boolean isDeleted();

	/** The disassembled state; {@code null} when {@linkplain #isDeleted() deleted}. */
	EntityState entry();

	/** The application-visible version, or {@code null} when deleted or unversioned. */
	Object version();

	/** The concrete entity name. */
	String entityName();

	/** The marker of a removed id. */
	record Deleted(String entityName) implements EntitySnapshot {

		@Override
		public boolean isDeleted() {
			return true;
		}

		@Override
		public EntityState entry() {
			return null;
		}

		@Override
		public Object version() {
			return null;
		}

		@Override
		public String toString() {
			return "DELETED " + entityName;
		}
	}
}
