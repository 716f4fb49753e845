package io.writebehind;

/**
 * Decides a conflict case by case: a versioned write found the row changed or removed behind write-behind's back.
 * Configure it per entity with {@link WriteBehindEntity#conflictResolver()} or globally by giving its class name as
 * {@code hibernate.writebehind.conflict_policy}. It needs a public no-argument constructor and must be thread-safe; it
 * runs on a flusher thread, so it must be quick and must not use an {@code EntityManager} of the application.
 */
@FunctionalInterface
public interface ConflictResolver {

	/**
	 * @return the entity to write over the database's current row (ours, the database's, or a merge of both; written
	 * with the row's next version), or {@code null} to discard our write and keep the database's row. An exception hands
	 * our write to failure handling.
	 */
	Object resolve(WriteConflict conflict);
}
