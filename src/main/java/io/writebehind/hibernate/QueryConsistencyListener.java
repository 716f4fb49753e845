package io.writebehind.hibernate;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.hibernate.engine.spi.TransactionCompletionCallbacks.AfterCompletionCallback;
import org.hibernate.event.spi.AutoFlushEvent;
import org.hibernate.event.spi.AutoFlushEventListener;
import org.hibernate.event.spi.EventSource;

import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.queue.EntityRegion;

/**
 * Keeps queries and bulk statements consistent with write-behind. Hibernate fires an auto-flush event with the query's
 * tables (its query spaces) before every JPQL/HQL, Criteria, named and native query and every bulk {@code update} /
 * {@code delete} / native {@code executeUpdate}; an empty set means "unknown" (a native query that declares none) and
 * stands for every table, as in Hibernate.
 * <ul>
 * <li>Before the statement: the pending writes of the opted-in entities in those tables are flushed (for a query,
 * only of entities with {@code QueryConsistency.FLUSH}; for a bulk statement always), one batched flush per table.</li>
 * <li>A bulk statement changes rows behind the cache: the clean entries of those entities are forgotten before it
 * runs and again when its transaction completes, so no read serves a row it changed or removed.</li>
 * <li>Outside a transaction Hibernate fires no auto-flush event: {@link QueriesOutsideTransactions} applies the same
 * rule to queries there.</li>
 * <li>{@link OwnWrites}, after Hibernate's own auto-flush: the query sees its own transaction's writes.</li>
 * </ul>
 * Runs on the application thread of the session.
 */
final class QueryConsistencyListener implements AutoFlushEventListener {

	/** What the statement about to run does, as far as write-behind cares. */
	enum Statement {
		/** Reads rows: the pending writes of entities with {@code QueryConsistency.FLUSH} are flushed first. */
		QUERY,
		/**
		 * Changes rows (bulk {@code update}/{@code delete}/{@code insert}, native {@code executeUpdate}): every pending
		 * write of its tables is flushed first, and their cached entries are dropped.
		 */
		BULK;

		/** The statement the auto-flush event fired on this thread is for ({@link BulkStatements}). */
		static Statement current() {
			return BulkStatements.running() ? BULK : QUERY;
		}
	}

	private final WriteBehindInstallation installation;

	QueryConsistencyListener(WriteBehindInstallation installation) {
		this.installation = installation;
	}

	@Override
	public void onAutoFlush(AutoFlushEvent event) {
		WriteBehindRuntime runtime = installation.runtime();
		if ( runtime == null || event.getSession().isStateless() ) {
			return;
		}
		Statement statement = Statement.current();
		TransactionWrites own = installation.ownWrites( event.getSession() );
		Set<EntityRegion> regions = flushBeforeStatement( runtime, event.getQuerySpaces(), statement,
				() -> own != null && own.holdsRows() );
		if ( statement == Statement.BULK && !regions.isEmpty() ) {
			regions.forEach( EntityRegion::invalidateAll );
			EventSource session = event.getSession();
			session.getActionQueue().registerCallback( (AfterCompletionCallback) ( success, s ) ->
					regions.forEach( EntityRegion::invalidateAll ) );
		}
	}

	/**
	 * Flushes the pending writes the statement on these tables must see first (every opted-in entity stored there for
	 * a bulk statement, those with {@code QueryConsistency.FLUSH} for a query), one batched flush per table, and
	 * returns the regions of the tables. Also used before queries outside a transaction
	 * ({@link QueriesOutsideTransactions}).
	 */
	static Set<EntityRegion> flushBeforeStatement(WriteBehindRuntime runtime, Set<String> querySpaces,
			Statement statement, java.util.function.BooleanSupplier holdsRows) {
		Set<EntityRegion> regions = runtime.regionsOfTables( querySpaces );
		if ( regions.isEmpty() ) {
			return regions;
		}
		boolean changesRows = statement == Statement.BULK;
		List<EntityRegion> toFlush = new ArrayList<>( regions.size() );
		for ( EntityRegion region : regions ) {
			if ( ( changesRows || region.flushBeforeQueries() ) && region.pendingCount() > 0 ) {
				toFlush.add( region );
			}
		}
		flush( runtime, toFlush, holdsRows );
		return regions;
	}

	/**
	 * {@code holdsRows}: the query's transaction holds rows it wrote for an earlier query, which a pending write may
	 * wait for (the message says so).
	 */
	static void flush(WriteBehindRuntime runtime, java.util.Collection<EntityRegion> toFlush,
			java.util.function.BooleanSupplier holdsRows) {
		if ( !toFlush.isEmpty() ) {
			ReadFlush.flushOrFail( runtime, toFlush, () -> "The pending writes of " + names( toFlush )
					+ " could not be flushed before a query, which would not see them"
					+ ( holdsRows.getAsBoolean() ? ". This transaction holds rows it wrote for an earlier query, and a "
							+ "pending write of another transaction may be waiting for one of them (on MySQL/MariaDB a "
							+ "foreign-key check waits for the referenced row): end the transaction, or run the "
							+ "query before writing the rows that others reference" : "" ) );
		}
	}

	/**
	 * Runs after Hibernate's own auto-flush listener, which has just captured the session's changes: when the statement
	 * reads (or, a bulk statement, changes) tables of writes the transaction captured and the database lacks, the
	 * transaction's own writes are written in the transaction first, as plain Hibernate's flush would, so the query sees
	 * them (see {@link TransactionWrites#writeForQuery}). Costs nothing in a transaction that captured no writes.
	 */
	static final class OwnWrites implements AutoFlushEventListener {
		private final WriteBehindInstallation installation;

		OwnWrites(WriteBehindInstallation installation) {
			this.installation = installation;
		}

		@Override
		public void onAutoFlush(AutoFlushEvent event) {
			EventSource session = event.getSession();
			TransactionWrites own = installation.ownWrites( session );
			WriteBehindRuntime runtime = installation.runtime();
			if ( own == null || runtime == null || session.isStateless() ) {
				return;
			}
			Set<EntityRegion> regions = runtime.regionsOfTables( event.getQuerySpaces() );
			if ( regions.isEmpty() || !own.hasUnwritten( regions ) ) {
				return;
			}
			boolean mutation = Statement.current() == Statement.BULK;
			if ( !mutation ) {
				regions.removeIf( region -> !region.flushBeforeQueries() );
			}
			own.writeForQuery( regions, session );
			if ( mutation ) {
				// after this transaction's writes are published (registered earlier): the statement changed rows
				// they wrote, so the cache must not keep the states written before it
				session.getActionQueue().registerCallback( (AfterCompletionCallback) ( success, s ) ->
						regions.forEach( EntityRegion::invalidateAll ) );
			}
		}
	}

	private static String names(java.util.Collection<EntityRegion> regions) {
		return regions.stream().map( EntityRegion::entityName ).toList().toString();
	}
}
