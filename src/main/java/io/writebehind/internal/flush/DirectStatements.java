package io.writebehind.internal.flush;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.hibernate.HibernateException;
import org.hibernate.StaleObjectStateException;
import org.hibernate.engine.jdbc.spi.JdbcCoordinator;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

import io.writebehind.FailedWrite.Operation;
import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.orm.StaticMutation;
import io.writebehind.internal.queue.FlushItem;

/**
 * The flusher's direct path: a run of writes of one entity and operation as one {@link PreparedStatement} of the
 * persister's own static SQL ({@link StaticMutation}), the values bound through Hibernate's value binders, sent with
 * {@code executeBatch} in batches of the JDBC batch size, each row's count checked. Entities and operations the
 * direct path cannot write exactly as Hibernate would go through {@link EntityWriter} (Hibernate's coordinators).
 * Shared by the flusher threads: the statements are built once per entity and operation.
 */
final class DirectStatements {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( Flusher.class );

	/** Thrown when a driver reports no row count for a versioned statement in a batch: the batch is written again. */
	static final class NoRowCounts extends HibernateException {
		private static final long serialVersionUID = 1L;

		NoRowCounts(String message) {
			super( message );
		}
	}

	private final SessionFactoryImplementor factory;
	private final String logPrefix;
	/** At most this many JDBC parameters in one multi-row insert (PostgreSQL's protocol allows 32,767 and more). */
	private static final int MAX_PARAMETERS = 32_767;

	/**
	 * Sent once per flush transaction, before its first joined update or delete ({@code set local}: for the rest of the
	 * transaction; {@link InTransaction} remembers it was sent): the values are joined to
	 * the table row by row through its primary key, as the single-row statements find them. Without it PostgreSQL's
	 * planner chose a hash join over a scan of the whole table whenever the table's statistics were behind its size (a
	 * table that has just grown, the usual case under write-behind): 3x to 10x slower than JDBC batches, measured.
	 */
	static final String JOIN_BY_INDEX = "set local enable_hashjoin = off; set local enable_mergejoin = off";

	/**
	 * What one flush transaction has sent already: created per flush transaction and used only by the flusher thread
	 * that runs it.
	 */
	static final class InTransaction {
		/** Whether {@link #JOIN_BY_INDEX} was sent in this transaction. */
		private boolean joinByIndex;
	}

	private final boolean enabled;
	/** Whether inserts go out as multi-row {@code insert ... values (...),(...)} statements instead of JDBC batches. */
	private final boolean multiRowInserts;
	/** Whether versioned updates and deletes go out joined with a values list (PostgreSQL only). */
	private final boolean multiRowUpdates;
	private final ConcurrentHashMap<String, StaticMutation[]> statements = new ConcurrentHashMap<>();
	/**
	 * The statements whose multi-row form the database refused: written as JDBC batches from then on. Shared by the
	 * flusher threads (added to by the one that saw the refusal).
	 */
	private final Set<StaticMutation> singleRowOnly = ConcurrentHashMap.newKeySet();

	DirectStatements(SessionFactoryImplementor factory, String logPrefix, boolean enabled, Boolean multiRowInserts,
			Boolean multiRowUpdates) {
		this.factory = factory;
		this.logPrefix = logPrefix;
		this.enabled = enabled;
		boolean postgres = factory.getJdbcServices().getDialect() instanceof org.hibernate.dialect.PostgreSQLDialect;
		this.multiRowInserts = multiRowInserts != null ? multiRowInserts : postgres;
		this.multiRowUpdates = postgres && !Boolean.FALSE.equals( multiRowUpdates );
	}

	/** The direct statement for the item, or null when Hibernate's coordinator writes it. */
	StaticMutation statementFor(FlushItem item) {
		if ( !enabled ) {
			return null;
		}
		StaticMutation[] forEntity = statements.get( item.entityName );
		if ( forEntity == null ) {
			forEntity = statements.computeIfAbsent( item.entityName, this::build );
		}
		StaticMutation statement = forEntity[item.operation.ordinal()];
		if ( !statement.supported() ) {
			return null;
		}
		if ( item.operation != Operation.INSERT && statement.versionChecked() && item.dbVersion == null ) {
			// no known version to check: Hibernate's coordinator decides (a delete without the restriction)
			return null;
		}
		return statement;
	}

	/**
	 * Whether {@code item}, of the same entity and operation as the run {@code statement} writes, is written by it
	 * too (the per-item part of {@link #statementFor}: a versioned update or delete needs the row's version).
	 */
	boolean sameStatement(FlushItem item, StaticMutation statement) {
		return item.operation == Operation.INSERT || !statement.versionChecked() || item.dbVersion != null;
	}

	private StaticMutation[] build(String entityName) {
		EntityPersister persister = factory.getMappingMetamodel().getEntityDescriptor( entityName );
		StaticMutation[] built = new StaticMutation[Operation.values().length];
		for ( Operation operation : Operation.values() ) {
			StaticMutation.Kind kind = switch ( operation ) {
				case INSERT -> StaticMutation.Kind.INSERT;
				case UPDATE -> StaticMutation.Kind.UPDATE;
				case DELETE -> StaticMutation.Kind.DELETE;
			};
			built[operation.ordinal()] = StaticMutation.of( persister, kind );
			LOG.directStatement( logPrefix, built[operation.ordinal()] );
		}
		return built;
	}

	/**
	 * Writes {@code run} (writes of one entity and operation, all with {@code statement}) through one prepared
	 * statement of {@code session}'s connection: in JDBC batches of {@code batchSize}, or one by one (each with its
	 * own row count) when {@code batchSize} is 1. A row that matched nothing fails the run with a
	 * {@link StaleObjectStateException} naming it; a database error with Hibernate's conversion of it.
	 */
	void write(List<FlushItem> run, StaticMutation statement, int batchSize, SharedSessionContractImplementor session,
			InTransaction transaction) {
		JdbcCoordinator jdbc = session.getJdbcCoordinator();
		// what Hibernate's coordinators queued before goes first: the statement order is the foreign keys' order
		jdbc.executeBatch();
		if ( batchSize > 1 && run.size() > 1 && multiRow( statement ) ) {
			writeMultiRow( run, statement, batchSize, session, transaction );
			return;
		}
		PreparedStatement ps = jdbc.getMutationStatementPreparer().prepareStatement( statement.sql(), false );
		try {
			int batched = 0;
			for ( int i = 0; i < run.size(); i++ ) {
				FlushItem item = run.get( i );
				statement.bind( ps, item.id(), item.snapshot.isDeleted() ? null : item.snapshot.entry()::value,
						item.dbVersion, session );
				if ( batchSize <= 1 ) {
					check( statement, ps.executeUpdate(), item, false );
					continue;
				}
				ps.addBatch();
				if ( ++batched == batchSize ) {
					checkBatch( statement, ps.executeBatch(), run, i + 1 - batched );
					batched = 0;
				}
			}
			if ( batched > 0 ) {
				checkBatch( statement, ps.executeBatch(), run, run.size() - batched );
			}
		}
		catch (SQLException e) {
			throw session.getJdbcServices().getSqlExceptionHelper().convert( e, "could not execute batch", statement.sql() );
		}
		finally {
			jdbc.getLogicalConnection().getResourceRegistry().release( ps );
			jdbc.afterStatementExecution();
		}
	}

	/** Whether the statement has a multi-row form this database takes. */
	private boolean multiRow(StaticMutation statement) {
		boolean enabled = statement.kind() == StaticMutation.Kind.INSERT ? multiRowInserts : multiRowUpdates;
		return enabled && statement.hasMultiRowForm() && ( singleRowOnly.isEmpty() || !singleRowOnly.contains( statement ) );
	}

	private String multiRowSql(StaticMutation statement, int rows) {
		return statement.kind() == StaticMutation.Kind.INSERT ? statement.multiRowSql( rows ) : statement.joinedSql( rows );
	}

	/**
	 * Writes {@code run} with multi-row statements of up to {@code batchSize} rows each: one statement (and one server
	 * round trip) per chunk, a multi-row insert or an update or delete joined with the rows' values. A statement that
	 * does not report a row for each of its rows (an insert either adds its rows or fails as a whole; an update or
	 * delete whose version restriction did not match, a row changed behind write-behind's back) fails the flush
	 * transaction: it is rolled back and bisected, down to single-row statements that name the row. A statement the
	 * database refuses as such (SQL state class 42: syntax, types) is not used again for this entity.
	 */
	private void writeMultiRow(List<FlushItem> run, StaticMutation statement, int batchSize,
			SharedSessionContractImplementor session, InTransaction transaction) {
		JdbcCoordinator jdbc = session.getJdbcCoordinator();
		int perStatement = Math.max( 1, Math.min( batchSize, MAX_PARAMETERS / Math.max( 1, statement.parameters() ) ) );
		PreparedStatement full = null;
		String sql = null;
		try {
			if ( statement.kind() != StaticMutation.Kind.INSERT && !transaction.joinByIndex ) {
				sql = JOIN_BY_INDEX;
				try ( Statement st = jdbc.getLogicalConnection().getPhysicalConnection().createStatement() ) {
					st.execute( JOIN_BY_INDEX );
				}
				transaction.joinByIndex = true;
			}
			for ( int from = 0; from < run.size(); from += perStatement ) {
				int rows = Math.min( perStatement, run.size() - from );
				PreparedStatement ps;
				if ( rows == perStatement ) {
					if ( full == null ) {
						sql = multiRowSql( statement, rows );
						full = jdbc.getMutationStatementPreparer().prepareStatement( sql, false );
					}
					ps = full;
				}
				else {
					sql = multiRowSql( statement, rows );
					ps = jdbc.getMutationStatementPreparer().prepareStatement( sql, false );
				}
				try {
					for ( int r = 0; r < rows; r++ ) {
						FlushItem item = run.get( from + r );
						statement.bindRow( ps, r, item.id(), item.snapshot.isDeleted() ? null : item.snapshot.entry()::value,
								item.dbVersion, session );
					}
					int count = ps.executeUpdate();
					// an insert without a count (SUCCESS_NO_INFO) succeeded, as in a batch; an update or delete must count its rows
					boolean counted = count == rows
							|| statement.kind() == StaticMutation.Kind.INSERT && count == Statement.SUCCESS_NO_INFO;
					if ( statement.checksRowCount() && !counted ) {
						throw new HibernateException( "a multi-row " + statement.kind() + " of " + rows + " "
								+ statement.entityName() + " rows reported " + count + " rows"
								+ ( statement.kind() == StaticMutation.Kind.INSERT ? ""
										: " (a row changed or deleted behind write-behind's back: bisected to find it)" ) );
					}
				}
				finally {
					if ( ps != full ) {
						jdbc.getLogicalConnection().getResourceRegistry().release( ps );
					}
				}
			}
		}
		catch (SQLException e) {
			String state = e.getSQLState();
			if ( state != null && state.startsWith( "42" ) && singleRowOnly.add( statement ) ) {
				LOG.multiRowRefused( logPrefix, statement.kind(), statement.entityName(), state, e.getMessage() );
			}
			throw session.getJdbcServices().getSqlExceptionHelper().convert( e,
					"could not execute a multi-row " + statement.kind(), sql );
		}
		finally {
			if ( full != null ) {
				jdbc.getLogicalConnection().getResourceRegistry().release( full );
			}
			jdbc.afterStatementExecution();
		}
	}

	private static void checkBatch(StaticMutation statement, int[] counts, List<FlushItem> run, int from) {
		for ( int i = 0; i < counts.length; i++ ) {
			check( statement, counts[i], run.get( from + i ), true );
		}
	}

	private static void check(StaticMutation statement, int count, FlushItem item, boolean batched) {
		if ( count == 1 || !statement.checksRowCount() ) {
			return;
		}
		if ( count == Statement.SUCCESS_NO_INFO ) {
			if ( !statement.versionChecked() ) {
				return; // as Hibernate: an insert or an unversioned write without a count succeeded
			}
			throw new NoRowCounts( "the driver reported no row count (SUCCESS_NO_INFO) for a versioned "
					+ statement.kind() + " of " + statement.entityName() + " in a batch" );
		}
		if ( count == 0 ) {
			throw new StaleObjectStateException( item.snapshot.entityName(), item.id(),
					"the row was changed or deleted behind write-behind's back (" + statement.kind() + " matched no row)" );
		}
		throw new HibernateException( statement.kind() + " of " + item.snapshot.entityName() + "#" + item.id()
				+ ( batched ? " in a batch" : "" ) + ": row count " + count + ", expected 1" );
	}
}
