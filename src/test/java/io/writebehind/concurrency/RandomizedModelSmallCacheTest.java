package io.writebehind.concurrency;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.writebehind.WriteBehindSettings;

/**
 * The randomized model test (see {@link RandomizedModelSupport}) with a read cache of 8 entries for 60 or more ids:
 * most reads miss the cache and load from the database while the flusher writes the same rows. Persists on shared ids
 * are exclusive here: a persist of an id whose clean entry was evicted is documented to be checked only by the
 * flusher's INSERT.
 */
class RandomizedModelSmallCacheTest extends RandomizedModelSupport {

	@Override
	protected void properties(Map<String, Object> properties) {
		super.properties( properties );
		properties.put( WriteBehindSettings.CACHE_MAXIMUM_SIZE, "8" );
	}

	/**
	 * READ COMMITTED on every database: at REPEATABLE READ (MariaDB's default) a transaction's snapshot can hide a row
	 * written after it began, so it may persist an id whose row exists; that INSERT is refused only at flush (documented,
	 * and covered by RepeatableReadSnapshotTest), which this model test of the cache does not allow for.
	 */
	@Override
	protected Integer transactionIsolation() {
		return java.sql.Connection.TRANSACTION_READ_COMMITTED;
	}

	/** Persists on shared ids are exclusive (see the class comment). */
	@ParameterizedTest(name = "{0}, 8 rounds, {1} ids")
	@CsvSource({ "DISJOINT, 40", "SHARED_EXCLUSIVE_PERSISTS, 60" })
	void theDatabaseEndsAsTheModel(Sharing sharing, int ids) {
		run( 8, sharing, ids );
	}
}
