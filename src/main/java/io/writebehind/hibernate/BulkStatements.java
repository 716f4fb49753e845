package io.writebehind.hibernate;

import java.sql.PreparedStatement;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.IntSupplier;

import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.sql.exec.spi.ExecutionContext;
import org.hibernate.sql.exec.spi.JdbcMutationExecutor;
import org.hibernate.sql.exec.spi.JdbcOperationQueryMutation;
import org.hibernate.sql.exec.spi.JdbcParameterBindings;

import io.writebehind.internal.WriteBehindRuntime;

/**
 * Tells the auto-flush listener ({@link QueryConsistencyListener}) whether the statement it fired for changes rows (a
 * bulk {@code update} / {@code delete} / {@code insert}, a native {@code executeUpdate}) or reads them: Hibernate's
 * auto-flush event does not say. Every bulk statement Hibernate runs goes through one of two supported SPIs, and
 * write-behind wraps both (installed by {@link WriteBehindServiceContributor}):
 * <ul>
 * <li>the {@link JdbcMutationExecutor} of the factory's {@code JdbcServices} ({@link Executor}): single-table bulk
 * statements, native {@code executeUpdate}, and the statements of the temporary-table strategies. Hibernate fires the
 * auto-flush event inside it (or, for a native statement, just before); the wrapper fires it once more, marked, before
 * the statement runs, so the listener's work for a bulk statement is done before it.</li>
 * <li>the {@code MultiTableHandler}s of the multi-table strategies (the {@code SqmMultiTableMutationStrategyProvider}
 * service, wrapped by {@link io.writebehind.internal.orm.HibernateInternals#multiTableMutationStrategies}, each
 * handler run through {@link #marked(IntSupplier)}): joined and secondary-table entities, whose CTE strategy
 * (PostgreSQL) runs the statement through the select executor.</li>
 * </ul>
 * The mark is per thread: it is set on the application thread that runs the statement, for the time it runs.
 */
final class BulkStatements {

	/** How many bulk statements the thread is running (nested: a multi-table handler's own statements); owned by it. */
	private static final ThreadLocal<int[]> RUNNING = ThreadLocal.withInitial( () -> new int[1] );

	private BulkStatements() {
	}

	/** Whether the current thread is running a bulk statement (and is not only querying). */
	static boolean running() {
		return RUNNING.get()[0] > 0;
	}

	/** Runs a bulk statement marked as one. */
	static int marked(IntSupplier statement) {
		int[] depth = RUNNING.get();
		depth[0]++;
		try {
			return statement.getAsInt();
		}
		finally {
			depth[0]--;
		}
	}

	/** Hibernate's mutation executor, marking the statement and firing the auto-flush event for it first. */
	static final class Executor implements JdbcMutationExecutor {
		private final JdbcMutationExecutor delegate;

		Executor(JdbcMutationExecutor delegate) {
			this.delegate = delegate;
		}

		@Override
		public int execute(JdbcOperationQueryMutation jdbcMutation, JdbcParameterBindings jdbcParameterBindings,
				Function<String, PreparedStatement> statementCreator,
				BiConsumer<Integer, PreparedStatement> expectationCheck, ExecutionContext executionContext) {
			SharedSessionContractImplementor session = executionContext.getSession();
			if ( session.isStateless() || WriteBehindRuntime.of( session.getFactory() ) == null ) {
				return delegate.execute( jdbcMutation, jdbcParameterBindings, statementCreator, expectationCheck,
						executionContext );
			}
			return marked( () -> {
				// a native statement's auto-flush ran before this executor, unmarked: run it (cheap when done) marked
				session.autoFlushIfRequired( jdbcMutation.getAffectedTableNames() );
				return delegate.execute( jdbcMutation, jdbcParameterBindings, statementCreator, expectationCheck,
						executionContext );
			} );
		}
	}
}
