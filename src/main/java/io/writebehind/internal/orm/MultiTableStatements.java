package io.writebehind.internal.orm;


import org.hibernate.engine.jdbc.connections.spi.JdbcConnectionAccess;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.metamodel.mapping.EntityMappingType;
import org.hibernate.metamodel.mapping.internal.MappingModelCreationProcess;
import org.hibernate.query.spi.DomainQueryExecutionContext;
import org.hibernate.query.spi.QueryOptions;
import org.hibernate.query.sqm.internal.DomainParameterXref;
import org.hibernate.query.sqm.mutation.spi.MultiTableHandler;
import org.hibernate.query.sqm.mutation.spi.MultiTableHandlerBuildResult;
import org.hibernate.query.sqm.mutation.spi.SqmMultiTableInsertStrategy;
import org.hibernate.query.sqm.mutation.spi.SqmMultiTableMutationStrategy;
import org.hibernate.query.sqm.mutation.spi.SqmMultiTableMutationStrategyProvider;
import org.hibernate.query.sqm.tree.SqmDeleteOrUpdateStatement;
import org.hibernate.query.sqm.tree.insert.SqmInsertStatement;
import org.hibernate.sql.exec.spi.JdbcParameterBindings;

import io.writebehind.internal.orm.HibernateInternals.StatementRunner;

/**
 * Hibernate's multi-table mutation strategies (bulk statements on joined and secondary-table entities), each handler
 * running its statement through a {@link StatementRunner}. The strategy SPI's signatures name two internal classes
 * ({@code MappingModelCreationProcess}, {@code DomainParameterXref}), passed through untouched.
 */
final class MultiTableStatements {

	private MultiTableStatements() {
	}

	/** Hibernate's multi-table strategies, with handlers that run their statements through the runner. */
	static final class Strategies implements SqmMultiTableMutationStrategyProvider {
		private final SqmMultiTableMutationStrategyProvider delegate;
		private final StatementRunner runner;

		Strategies(SqmMultiTableMutationStrategyProvider delegate, StatementRunner runner) {
			this.delegate = delegate;
			this.runner = runner;
		}

		@Override
		public SqmMultiTableMutationStrategy createMutationStrategy(EntityMappingType rootEntityDescriptor,
				MappingModelCreationProcess creationProcess) {
			SqmMultiTableMutationStrategy strategy = delegate.createMutationStrategy( rootEntityDescriptor, creationProcess );
			return strategy == null ? null : new MutationStrategy( strategy, runner );
		}

		@Override
		public SqmMultiTableInsertStrategy createInsertStrategy(EntityMappingType rootEntityDescriptor,
				MappingModelCreationProcess creationProcess) {
			SqmMultiTableInsertStrategy strategy = delegate.createInsertStrategy( rootEntityDescriptor, creationProcess );
			return strategy == null ? null : new InsertStrategy( strategy, runner );
		}
	}

	private record MutationStrategy(SqmMultiTableMutationStrategy delegate, StatementRunner runner)
			implements SqmMultiTableMutationStrategy {
		@Override
		public void prepare(MappingModelCreationProcess process, JdbcConnectionAccess connectionAccess) {
			delegate.prepare( process, connectionAccess );
		}

		@Override
		public void prepare(MappingModelCreationProcess process) {
			delegate.prepare( process );
		}

		@Override
		public void release(SessionFactoryImplementor sessionFactory, JdbcConnectionAccess connectionAccess) {
			delegate.release( sessionFactory, connectionAccess );
		}

		@Override
		public MultiTableHandlerBuildResult buildHandler(SqmDeleteOrUpdateStatement<?> statement,
				DomainParameterXref domainParameterXref, DomainQueryExecutionContext context) {
			return wrapped( delegate.buildHandler( statement, domainParameterXref, context ), runner );
		}
	}

	private record InsertStrategy(SqmMultiTableInsertStrategy delegate, StatementRunner runner)
			implements SqmMultiTableInsertStrategy {
		@Override
		public void prepare(MappingModelCreationProcess process, JdbcConnectionAccess connectionAccess) {
			delegate.prepare( process, connectionAccess );
		}

		@Override
		public void prepare(MappingModelCreationProcess process) {
			delegate.prepare( process );
		}

		@Override
		public void release(SessionFactoryImplementor sessionFactory, JdbcConnectionAccess connectionAccess) {
			delegate.release( sessionFactory, connectionAccess );
		}

		@Override
		public MultiTableHandlerBuildResult buildHandler(SqmInsertStatement<?> statement,
				DomainParameterXref domainParameterXref, DomainQueryExecutionContext context) {
			return wrapped( delegate.buildHandler( statement, domainParameterXref, context ), runner );
		}
	}

	private static MultiTableHandlerBuildResult wrapped(MultiTableHandlerBuildResult built, StatementRunner runner) {
		return new MultiTableHandlerBuildResult( new Handler( built.multiTableHandler(), runner ),
				built.firstJdbcParameterBindings() );
	}

	private record Handler(MultiTableHandler delegate, StatementRunner runner) implements MultiTableHandler {
		@Override
		public JdbcParameterBindings createJdbcParameterBindings(DomainQueryExecutionContext executionContext) {
			return delegate.createJdbcParameterBindings( executionContext );
		}

		@Override
		public boolean dependsOnParameterBindings() {
			return delegate.dependsOnParameterBindings();
		}

		@Override
		public boolean isCompatibleWith(JdbcParameterBindings jdbcParameterBindings, QueryOptions queryOptions) {
			return delegate.isCompatibleWith( jdbcParameterBindings, queryOptions );
		}

		@Override
		public int execute(JdbcParameterBindings jdbcParameterBindings, DomainQueryExecutionContext executionContext) {
			return runner.run( () -> delegate.execute( jdbcParameterBindings, executionContext ) );
		}
	}
}
