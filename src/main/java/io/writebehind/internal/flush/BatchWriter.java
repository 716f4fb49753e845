package io.writebehind.internal.flush;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import org.hibernate.StatelessSession;
import org.hibernate.Transaction;
import org.hibernate.cfg.JdbcSettings;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

import io.writebehind.FailedWrite.Operation;
import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.orm.StaticMutation;
import io.writebehind.internal.queue.FlushItem;

import jakarta.transaction.Synchronization;

/**
 * Writes a batch of items in one transaction of a stateless session of its own, in {@link #STATEMENT_ORDER}: each run
 * of writes of one entity and operation the direct path can write as one statement of the persister's static SQL
 * ({@link DirectStatements}), the others through Hibernate's mutation coordinators with JDBC batching
 * ({@link EntityWriter}). Shared by the flusher threads:
 * its two fields are decided once and only ever set to the same value.
 */
final class BatchWriter {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( Flusher.class );

	/** A failure of the flush transaction's commit: whether it took effect is unknown. */
	static final class CommitOutcomeUnknown extends RuntimeException {
		private static final long serialVersionUID = 1L;

		CommitOutcomeUnknown(RuntimeException cause) {
			super( cause );
		}
	}

	private final SessionFactoryImplementor factory;
	private final EntityWriter writer;
	private final DirectStatements direct;
	private final String logPrefix;
	/** Whether the driver reports real row counts for batches; decided by the first flusher thread that asks. */
	private volatile Boolean rowCountsReliable;
	/** Whether the autocommit warning was logged; set once by any flusher thread. */
	private volatile boolean autocommitReported;
	/** A feature's check before each flush transaction commits, or {@code null}; set before the flusher starts. */
	private volatile FlushFence fence;

	BatchWriter(SessionFactoryImplementor factory, EntityWriter writer, DirectStatements direct, String logPrefix) {
		this.factory = factory;
		this.writer = writer;
		this.direct = direct;
		this.logPrefix = logPrefix;
	}

	/** What the fence says of a recovered write before it is checked (see {@link FlushFence#refused}). */
	String refused(FlushItem item) {
		FlushFence fence = this.fence;
		return fence == null ? null : fence.refused( item );
	}

	/** Installs the fence checked before each flush transaction commits (before the flusher starts). */
	void fence(FlushFence fence) {
		this.fence = fence;
	}

	/** Returns how long it took, in nanoseconds. */
	long write(List<FlushItem> items, int jdbcBatchSize) {
		long start = System.nanoTime();
		try ( StatelessSession session = factory.openStatelessSession() ) {
			session.setJdbcBatchSize( jdbcBatchSize );
			Transaction tx = session.beginTransaction();
			try {
				SharedSessionContractImplementor implementor = (SharedSessionContractImplementor) session;
				autocommitOff( implementor, tx );
				boolean reliable = jdbcBatchSize <= 1 || batchRowCountsReliable( session );
				boolean unbatchedChecks = !reliable;
				int n = items.size();
				DirectStatements.InTransaction inTransaction = new DirectStatements.InTransaction();
				for ( int i = 0; i < n; ) {
					FlushItem item = items.get( i );
					StaticMutation statement = direct.statementFor( item );
					if ( statement != null ) {
						// a run of writes of one entity and operation: one statement of the persister's SQL
						String entityName = item.entityName;
						int end = i + 1;
						while ( end < n ) {
							FlushItem next = items.get( end );
							String nextName = next.entityName;
							if ( next.operation != item.operation
									|| nextName != entityName && !nextName.equals( entityName )
									|| !direct.sameStatement( next, statement ) ) {
								break;
							}
							end++;
						}
						boolean oneByOne = jdbcBatchSize <= 1 || statement.versionChecked() && !rowCountsReliable();
						direct.write( items.subList( i, end ), statement, oneByOne ? 1 : jdbcBatchSize, implementor,
								inTransaction );
						i = end;
						continue;
					}
					if ( unbatchedChecks && item.operation != Operation.INSERT && item.region().versioned() ) {
						// from here on (updates, then deletes) every versioned statement runs alone, with a real count
						implementor.getJdbcCoordinator().executeBatch();
						session.setJdbcBatchSize( 1 );
						unbatchedChecks = false;
					}
					writer.write( item, implementor );
					i++;
				}
			}
			catch (DirectStatements.NoRowCounts e) {
				// the URL did not say so, but the driver reports no counts: from now on versioned statements go one by one
				if ( !Boolean.FALSE.equals( rowCountsReliable ) ) {
					rowCountsReliable = false;
					LOG.batchRewritingUrl( logPrefix );
				}
				rollbackQuietly( tx, e );
				throw e;
			}
			catch (RuntimeException e) {
				rollbackQuietly( tx, e );
				throw e;
			}
			FlushFence fence = this.fence;
			if ( fence != null ) {
				try {
					fence.check( items, (SharedSessionContractImplementor) session );
				}
				catch (RuntimeException e) {
					rollbackQuietly( tx, e );
					throw e;
				}
			}
			try {
				tx.commit();
			}
			catch (RuntimeException e) {
				rollbackQuietly( tx, e );
				// a pending batch executes at commit: its errors are not about the commit's own outcome
				boolean commitItself = FlushErrors.isTransient( e ) && !FlushErrors.isConflict( e );
				throw commitItself ? new CommitOutcomeUnknown( e ) : e;
			}
		}
		return System.nanoTime() - start;
	}

	/**
	 * With {@code provider_disables_autocommit=true} Hibernate leaves the connection's autocommit mode alone: a pool
	 * that hands out connections in autocommit mode (refused at boot, but a pool may change, or the database was down at
	 * boot) would commit every statement on its own, and a failed batch would leave its good rows behind while all its
	 * writes are reported failed. Autocommit is switched off for the flush transaction and back on when it completes
	 * (before the connection goes back to the pool).
	 */
	private void autocommitOff(SharedSessionContractImplementor session, Transaction tx) {
		Connection connection = session.getJdbcCoordinator().getLogicalConnection().getPhysicalConnection();
		try {
			if ( !connection.getAutoCommit() ) {
				return;
			}
			connection.setAutoCommit( false );
		}
		catch (SQLException e) {
			throw session.getJdbcServices().getSqlExceptionHelper().convert( e, "switching autocommit off for a flush" );
		}
		tx.registerSynchronization( new Synchronization() {
			@Override
			public void beforeCompletion() {
			}

			@Override
			public void afterCompletion(int status) {
				try {
					connection.setAutoCommit( true );
				}
				catch (SQLException | RuntimeException e) {
					LOG.flushAttemptFailed( logPrefix, 0, "could not switch autocommit back on: " + e );
				}
			}
		} );
		if ( !autocommitReported ) {
			autocommitReported = true;
			LOG.flusherConnectionInAutocommit( logPrefix,
					JdbcSettings.CONNECTION_PROVIDER_DISABLES_AUTOCOMMIT );
		}
	}

	private static void rollbackQuietly(Transaction tx, RuntimeException failure) {
		try {
			if ( tx.isActive() ) {
				tx.rollback();
			}
		}
		catch (RuntimeException rollbackFailure) {
			failure.addSuppressed( rollbackFailure );
		}
	}

	/**
	 * Whether the driver reports real row counts for batched statements. With MariaDB's {@code useBulkStmts} or a
	 * {@code rewriteBatchedStatements} option, a batch reports SUCCESS_NO_INFO (-2), which Hibernate takes as success:
	 * a versioned update that matched no row would pass unnoticed. Versioned updates and deletes are then sent one by
	 * one. Decided once, from the JDBC URL, on the first flush.
	 */
	private boolean batchRowCountsReliable(StatelessSession session) {
		Boolean known = rowCountsReliable;
		if ( known == null ) {
			String url = session.doReturningWork( connection -> connection.getMetaData().getURL() );
			String lower = url == null ? "" : url.toLowerCase( Locale.ROOT );
			known = !( lower.contains( "usebulkstmts=true" ) || lower.contains( "rewritebatchedstatements=true" ) );
			if ( !known ) {
				LOG.batchRewritingUrl( logPrefix );
			}
			rowCountsReliable = known;
		}
		return known;
	}

	/** Whether batched row counts are known to be real (after {@link #batchRowCountsReliable}). */
	private boolean rowCountsReliable() {
		return !Boolean.FALSE.equals( rowCountsReliable );
	}

	/** Inserts (parents first), then updates, then deletes (children first). */
	static final Comparator<FlushItem> STATEMENT_ORDER = Comparator
			.comparingInt( (FlushItem item) -> item.operation.ordinal() )
			.thenComparingInt( item -> item.operation == Operation.DELETE ? -item.region().index() : item.region().index() );
}
