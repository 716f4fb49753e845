package io.writebehind;

/**
 * What the flusher does when a versioned write finds the row changed or removed behind write-behind's back (another
 * application node, a batch job, a DBA). Set globally with {@code hibernate.writebehind.conflict_policy} and per entity
 * with {@link WriteBehindEntity#conflictPolicy()}; a custom {@link ConflictResolver} decides case by case.
 */
public enum ConflictPolicy {

	/** Use the global setting (annotation default only). */
	USE_GLOBAL,

	/**
	 * The default: our write goes to failure handling ({@link WriteFailureHandler}, {@link WriteBehind#failedWrites()}),
	 * the database's row stays, and the cache entry is invalidated so that reads show the database's state.
	 */
	FAIL,

	/** Our write is discarded (logged and counted as a conflict); the cache is refreshed from the database's row. */
	DATABASE_WINS,

	/**
	 * Our state is written over the row's current version (re-inserted if the row was removed; a remove removes the
	 * current row). The row's version moves past the one we found.
	 */
	LAST_WRITE_WINS
}
