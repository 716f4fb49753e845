package io.writebehind.hibernate;

import java.util.List;

import org.hibernate.ScrollMode;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.query.spi.ScrollableResultsImplementor;
import org.hibernate.sql.exec.spi.ExecutionContext;
import org.hibernate.sql.exec.spi.JdbcParameterBindings;
import org.hibernate.sql.exec.spi.JdbcSelect;
import org.hibernate.sql.exec.spi.JdbcSelectExecutor;
import org.hibernate.sql.results.spi.ListResultsConsumer;
import org.hibernate.sql.results.spi.ResultsConsumer;
import org.hibernate.sql.results.spi.RowTransformer;

import io.writebehind.internal.WriteBehindRuntime;

/**
 * Queries run with no transaction in progress (Spring Data query methods, Open Session In View) see committed pending
 * writes. Hibernate 7.4 fires its auto-flush event only inside a transaction ({@code SessionImpl.autoFlushIfRequired}
 * returns first otherwise), so {@link QueryConsistencyListener} never hears of such a query. What every query
 * execution does reach, in or out of a transaction, is the {@link JdbcSelectExecutor} of the factory's
 * {@code JdbcServices}, with the tables the query reads ({@code JdbcSelect.getAffectedTableNames()}, the same query
 * spaces the auto-flush event carries): this executor applies the listener's rule there first, for query executions
 * ({@code ExecutionContext.hasQueryExecutionToBeAddedToStatistics()}: JPQL/HQL, Criteria, named and native queries;
 * entity and collection loads are not queries) outside a transaction, then runs Hibernate's own executor.
 * <p>
 * Installed by {@link WriteBehindServiceContributor} in Hibernate's own {@code JdbcServices}
 * ({@code HibernateInternals.jdbcServices}). {@code QueriesOutsideTransactionTest} fails if Hibernate stops routing
 * queries through it.
 */
final class QueriesOutsideTransactions implements JdbcSelectExecutor {

	private final JdbcSelectExecutor delegate;

	QueriesOutsideTransactions(JdbcSelectExecutor delegate) {
		this.delegate = delegate;
	}

	private static void beforeQuery(JdbcSelect select, ExecutionContext context) {
		if ( !context.hasQueryExecutionToBeAddedToStatistics() ) {
			return; // a load, a lock, a sub-select fetch: not a query
		}
		SharedSessionContractImplementor session = context.getSession();
		if ( session.isTransactionInProgress() || session.isStateless() ) {
			return; // inside a transaction the auto-flush event did it
		}
		WriteBehindRuntime runtime = WriteBehindRuntime.of( session.getFactory() );
		if ( runtime != null ) {
			QueryConsistencyListener.flushBeforeStatement( runtime, select.getAffectedTableNames(),
					QueryConsistencyListener.Statement.QUERY, () -> false );
		}
	}

	@Override
	public <T, R> T executeQuery(JdbcSelect jdbcSelect, JdbcParameterBindings jdbcParameterBindings,
			ExecutionContext executionContext, RowTransformer<R> rowTransformer, Class<R> domainResultType,
			StatementCreator statementCreator, ResultsConsumer<T, R> resultsConsumer) {
		beforeQuery( jdbcSelect, executionContext );
		return delegate.executeQuery( jdbcSelect, jdbcParameterBindings, executionContext, rowTransformer,
				domainResultType, statementCreator, resultsConsumer );
	}

	@Override
	public <T, R> T executeQuery(JdbcSelect jdbcSelect, JdbcParameterBindings jdbcParameterBindings,
			ExecutionContext executionContext, RowTransformer<R> rowTransformer, Class<R> domainResultType,
			int resultCountEstimate, ResultsConsumer<T, R> resultsConsumer) {
		beforeQuery( jdbcSelect, executionContext );
		return delegate.executeQuery( jdbcSelect, jdbcParameterBindings, executionContext, rowTransformer,
				domainResultType, resultCountEstimate, resultsConsumer );
	}

	@Override
	public <T, R> T executeQuery(JdbcSelect jdbcSelect, JdbcParameterBindings jdbcParameterBindings,
			ExecutionContext executionContext, RowTransformer<R> rowTransformer, Class<R> domainResultType,
			int resultCountEstimate, StatementCreator statementCreator, ResultsConsumer<T, R> resultsConsumer) {
		beforeQuery( jdbcSelect, executionContext );
		return delegate.executeQuery( jdbcSelect, jdbcParameterBindings, executionContext, rowTransformer,
				domainResultType, resultCountEstimate, statementCreator, resultsConsumer );
	}

	@Override
	public <R> List<R> list(JdbcSelect jdbcSelect, JdbcParameterBindings jdbcParameterBindings,
			ExecutionContext executionContext, RowTransformer<R> rowTransformer,
			ListResultsConsumer.UniqueSemantic uniqueSemantic) {
		beforeQuery( jdbcSelect, executionContext );
		return delegate.list( jdbcSelect, jdbcParameterBindings, executionContext, rowTransformer, uniqueSemantic );
	}

	@Override
	public <R> List<R> list(JdbcSelect jdbcSelect, JdbcParameterBindings jdbcParameterBindings,
			ExecutionContext executionContext, RowTransformer<R> rowTransformer, Class<R> requestedJavaType,
			ListResultsConsumer.UniqueSemantic uniqueSemantic) {
		beforeQuery( jdbcSelect, executionContext );
		return delegate.list( jdbcSelect, jdbcParameterBindings, executionContext, rowTransformer, requestedJavaType,
				uniqueSemantic );
	}

	@Override
	public <R> List<R> list(JdbcSelect jdbcSelect, JdbcParameterBindings jdbcParameterBindings,
			ExecutionContext executionContext, RowTransformer<R> rowTransformer, Class<R> requestedJavaType,
			ListResultsConsumer.UniqueSemantic uniqueSemantic, int resultCountEstimate) {
		beforeQuery( jdbcSelect, executionContext );
		return delegate.list( jdbcSelect, jdbcParameterBindings, executionContext, rowTransformer, requestedJavaType,
				uniqueSemantic, resultCountEstimate );
	}

	@Override
	public <R> ScrollableResultsImplementor<R> scroll(JdbcSelect jdbcSelect, ScrollMode scrollMode,
			JdbcParameterBindings jdbcParameterBindings, ExecutionContext executionContext,
			RowTransformer<R> rowTransformer) {
		beforeQuery( jdbcSelect, executionContext );
		return delegate.scroll( jdbcSelect, scrollMode, jdbcParameterBindings, executionContext, rowTransformer );
	}

	@Override
	public <R> ScrollableResultsImplementor<R> scroll(JdbcSelect jdbcSelect, ScrollMode scrollMode,
			JdbcParameterBindings jdbcParameterBindings, ExecutionContext executionContext,
			RowTransformer<R> rowTransformer, int resultCountEstimate) {
		beforeQuery( jdbcSelect, executionContext );
		return delegate.scroll( jdbcSelect, scrollMode, jdbcParameterBindings, executionContext, rowTransformer,
				resultCountEstimate );
	}
}
