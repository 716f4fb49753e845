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

	private static final StackWalker STACK = StackWalker.getInstance();

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
		boolean[] mutation = new boolean[1];
		TransactionWrites own = installation.ownWrites( event.getSession() );
		Set<EntityRegion> regions = flushBeforeStatement( runtime, event.getQuerySpaces(), null, mutation,
				() -> own != null && own.holdsRows() );
		if ( mutation[0] && !regions.isEmpty() ) {
			regions.forEach( EntityRegion::invalidateAll );
			EventSource session = event.getSession();
			session.getActionQueue().registerCallback( (AfterCompletionCallback) ( success, s ) ->
					regions.forEach( EntityRegion::invalidateAll ) );
		}
	}

	/**
	 * Flushes the pending writes the statement on these tables must see first (every opted-in entity stored there for
	 * a bulk statement, those with {@code QueryConsistency.FLUSH} for a query), one batched flush per table, and
	 * returns the regions of the tables. {@code mutation}: whether the statement changes rows ({@code null}: found
	 * out, and told through {@code found[0]}). Also used before queries outside a transaction
	 * ({@link QueriesOutsideTransactions}).
	 */
	static Set<EntityRegion> flushBeforeStatement(WriteBehindRuntime runtime, Set<String> querySpaces,
			Boolean mutation, boolean[] found, java.util.function.BooleanSupplier holdsRows) {
		Set<EntityRegion> regions = runtime.regionsOfTables( querySpaces );
		if ( regions.isEmpty() ) {
			return regions;
		}
		boolean changesRows = mutation != null ? mutation : isMutation();
		if ( found != null ) {
			found[0] = changesRows;
		}
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
					+ " could not be flushed before a query (the query would not see them)"
					+ ( holdsRows.getAsBoolean() ? "; this transaction holds rows it wrote for an earlier query, and a "
							+ "pending write of another transaction may be waiting for one of them (on MySQL/MariaDB a "
							+ "foreign-key check waits for the referenced row): end the transaction, or run the "
							+ "query before writing the rows that others reference;" : "" ) );
		}
	}

	/**
	 * Whether the statement about to run changes rows: the auto-flush event does not say, so look at who fired it
	 * (a select plan, or a mutation executor). Only done for statements on opted-in tables.
	 */
	private static boolean isMutation() {
		return STACK.walk( frames -> frames.limit( 24 )
				.map( StackWalker.StackFrame::getClassName )
				.filter( name -> name.startsWith( "org.hibernate.query" ) || name.startsWith( "org.hibernate.sql.exec" ) )
				.findFirst()
				.map( name -> name.contains( "NonSelect" ) || !name.contains( "Select" ) )
				.orElse( false ) );
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
			boolean mutation = isMutation();
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
