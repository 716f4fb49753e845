package io.writebehind.hibernate;

import java.time.Duration;
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
		Set<EntityRegion> regions = runtime.regionsOfTables( event.getQuerySpaces() );
		if ( regions.isEmpty() ) {
			return;
		}
		boolean mutation = isMutation();
		List<EntityRegion> toFlush = new ArrayList<>( regions.size() );
		for ( EntityRegion region : regions ) {
			if ( ( mutation || region.flushBeforeQueries() ) && region.pendingCount() > 0 ) {
				toFlush.add( region );
			}
		}
		if ( !toFlush.isEmpty() ) {
			long timeout = runtime.config().shutdownTimeoutMs;
			if ( !runtime.flush( toFlush, Duration.ofMillis( timeout ) ) ) {
				throw io.writebehind.internal.HibernateFailures.flushTimedOut( runtime.logPrefix() + "The pending writes of " + names( toFlush )
						+ " could not be flushed before a query within " + timeout
						+ " ms (hibernate.writebehind.shutdown_timeout_ms); the query would not see them" );
			}
		}
		if ( mutation ) {
			regions.forEach( EntityRegion::invalidateAll );
			EventSource session = event.getSession();
			session.getActionQueue().registerCallback( (AfterCompletionCallback) ( success, s ) ->
					regions.forEach( EntityRegion::invalidateAll ) );
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

	private static String names(List<EntityRegion> regions) {
		return regions.stream().map( EntityRegion::entityName ).toList().toString();
	}
}
