package io.writebehind.internal.config;

import io.writebehind.WriteBehindSettings;

/**
 * Settings for the library's own tests, not for users (not in {@link WriteBehindSettings}, the docs or the Spring
 * properties): they replace a part of the runtime the tests need to control.
 */
public final class InternalSettings {

	/**
	 * The time source of the write queue (delays, retry backoff, lag): a
	 * {@link com.github.benmanes.caffeine.cache.Ticker} instance. Default {@code Ticker.systemTicker()}. A test sets a
	 * fake one to prove that a write is not flushed before its deadline without sleeping.
	 */
	public static final String TICKER = WriteBehindSettings.PREFIX + "internal.ticker";

	/**
	 * Whether the flusher writes the entities it can through the persister's static SQL directly ({@code true}, the
	 * default) or every write through Hibernate's mutation coordinators ({@code false}). The tests run a mapping both
	 * ways to compare the rows.
	 */
	public static final String DIRECT_STATEMENTS = WriteBehindSettings.PREFIX + "internal.direct_statements";

	/**
	 * Whether the flusher's direct path sends inserts as multi-row {@code insert ... values (...),(...)} statements
	 * ({@code true}) or as JDBC batches of single-row inserts ({@code false}). Default: by the database (multi-row on
	 * PostgreSQL, where it was measured faster). For the tests and the benchmark's side-by-side runs.
	 */
	public static final String MULTI_ROW_INSERTS = WriteBehindSettings.PREFIX + "internal.multi_row_inserts";

	/**
	 * Whether the flusher's direct path on PostgreSQL sends versioned updates and deletes as one statement per chunk
	 * joined with a {@code VALUES} list ({@code update t ... from (values (...),(...))}, {@code delete from t using
	 * (values ...)}), checked by its row count, instead of JDBC batches of single-row statements ({@code false}).
	 * Default: {@code true} on PostgreSQL; ignored on other databases (the form is PostgreSQL's). For the tests and
	 * the benchmark's side-by-side runs.
	 */
	public static final String MULTI_ROW_UPDATES = WriteBehindSettings.PREFIX + "internal.multi_row_updates";

	/** Every internal setting: accepted at boot, not listed to users. */
	static final java.util.Set<String> KEYS = java.util.Set.of( TICKER, DIRECT_STATEMENTS, MULTI_ROW_INSERTS, MULTI_ROW_UPDATES );

	private InternalSettings() {
	}
}
