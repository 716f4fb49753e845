package io.writebehind;

/**
 * What a query (JPQL/HQL, Criteria, named or native) sees of the pending writes of an opted-in entity. Set globally
 * with {@code hibernate.writebehind.query_consistency} and per entity with {@link WriteBehindEntity#queryConsistency()}.
 */
public enum QueryConsistency {

	/** Use the global setting (annotation default only). */
	USE_GLOBAL,

	/**
	 * The default: before a query runs, the pending writes of the opted-in entities whose tables it touches (its query
	 * spaces) are flushed, as Hibernate's AUTO flush does for the session's own changes; a query sees every write
	 * committed before it started. A native query that declares no query spaces touches every table, as in Hibernate.
	 */
	FLUSH,

	/**
	 * Queries read the database as it is: they miss writes that are still pending (at most {@code max_delay_ms} plus
	 * the flush time old), and an entity they return may be older than the one {@code find} returns.
	 */
	EVENTUAL
}
