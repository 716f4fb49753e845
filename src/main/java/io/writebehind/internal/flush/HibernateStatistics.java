package io.writebehind.internal.flush;

import java.util.List;

import org.hibernate.stat.spi.StatisticsImplementor;

import io.writebehind.FailedWrite.Operation;
import io.writebehind.internal.queue.FlushItem;

/**
 * Counts the rows write-behind writes in Hibernate's statistics ({@code hibernate.generate_statistics}, or
 * {@code Statistics.setStatisticsEnabled(true)} at run time): an entity insert, update or delete per row, globally and
 * per entity, as Hibernate counts the statements of its own actions. Write-behind vetoes those actions at commit, so
 * without this the writes of opted-in entities would be missing from Hibernate's figures and from what is built on them
 * (Micrometer's Hibernate meters, Spring Boot's {@code hibernate.*} metrics). A flusher's row counts once its flush
 * transaction committed (a row retried after a failed transaction counts once); a row written in the application's
 * transaction (before a query) counts when it is executed, as Hibernate's own do. Called on the flusher thread, or the
 * application's; {@link StatisticsImplementor} is thread-safe.
 */
public final class HibernateStatistics implements FlushObserver {

	private final StatisticsImplementor statistics;

	public HibernateStatistics(StatisticsImplementor statistics) {
		this.statistics = statistics;
	}

	@Override
	public void written(List<FlushItem> items) {
		if ( !statistics.isStatisticsEnabled() ) {
			return;
		}
		for ( FlushItem item : items ) {
			count( item.operation, item.entityName );
		}
	}

	/** Counts one row written (when statistics are enabled). */
	public void written(Operation operation, String entityName) {
		if ( statistics.isStatisticsEnabled() ) {
			count( operation, entityName );
		}
	}

	private void count(Operation operation, String entityName) {
		switch ( operation ) {
			case INSERT -> statistics.insertEntity( entityName );
			case UPDATE -> statistics.updateEntity( entityName );
			case DELETE -> statistics.deleteEntity( entityName );
		}
	}
}
