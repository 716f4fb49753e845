package io.writebehind.internal.orm;

import java.io.Serializable;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.UnaryOperator;

import org.hibernate.engine.jdbc.connections.internal.ConnectionProviderInitiator;
import org.hibernate.engine.jdbc.internal.JdbcServicesImpl;
import org.hibernate.engine.jdbc.spi.JdbcServices;
import org.hibernate.property.access.internal.PropertyAccessStrategyBackRefImpl;
import org.hibernate.query.sqm.mutation.internal.SqmMultiTableMutationStrategyProviderStandard;
import org.hibernate.query.sqm.mutation.spi.SqmMultiTableMutationStrategyProvider;
import org.hibernate.sql.exec.spi.JdbcMutationExecutor;
import org.hibernate.sql.exec.spi.JdbcSelectExecutor;

/**
 * The uses of Hibernate's {@code internal} classes for which Hibernate 7.4 has no supported SPI, each a small static
 * method pinned by a test in {@code src/test/java/io/writebehind/orm} ({@code HibernateInternalsTest}).
 */
public final class HibernateInternals {

	private HibernateInternals() {
	}

	/**
	 * The isolation level {@code hibernate.connection.isolation} asks for, as a {@code java.sql.Connection} constant
	 * ({@code null} when not set), parsed as Hibernate's own connection providers parse it (a number, or a name with
	 * or without {@code TRANSACTION_}).
	 */
	public static Integer configuredIsolation(Map<String, Object> settings) {
		return ConnectionProviderInitiator.extractIsolation( settings );
	}

	/**
	 * The value Hibernate puts in an entity's state array for the synthetic "backref" property (the foreign key a
	 * unidirectional {@code @OneToMany @JoinColumn} of another entity writes) when it does not know it.
	 */
	public static Serializable unknownBackRef() {
		return PropertyAccessStrategyBackRefImpl.UNKNOWN;
	}

	/** Whether a state array value is {@link #unknownBackRef()}. */
	public static boolean isUnknownBackRef(Object value) {
		return value == PropertyAccessStrategyBackRefImpl.UNKNOWN;
	}

	/**
	 * Hibernate's own {@link JdbcServices} (a service registry's), except for its select and mutation executors, which
	 * are Hibernate's own passed through {@code selects} and {@code mutations}. {@code JdbcServices} is an SPI, but
	 * its one implementation, with the JDBC environment, connection access and SQL logging, is internal.
	 */
	public static JdbcServices jdbcServices(UnaryOperator<JdbcSelectExecutor> selects,
			UnaryOperator<JdbcMutationExecutor> mutations) {
		return new JdbcServicesImpl() {
			private final JdbcSelectExecutor selectExecutor = selects.apply( super.getJdbcSelectExecutor() );
			private final JdbcMutationExecutor mutationExecutor = mutations.apply( super.getJdbcMutationExecutor() );

			@Override
			public JdbcSelectExecutor getJdbcSelectExecutor() {
				return selectExecutor;
			}

			@Override
			public JdbcMutationExecutor getJdbcMutationExecutor() {
				return mutationExecutor;
			}
		};
	}

	/** Runs one statement (on the application thread), returning its row count. */
	@FunctionalInterface
	public interface StatementRunner {
		int run(IntSupplier statement);
	}

	/**
	 * Hibernate's own multi-table mutation strategies (the configured strategy, else the dialect's; bulk statements on
	 * joined and secondary-table entities), each of their statements run through {@code runner}. The
	 * {@link SqmMultiTableMutationStrategyProvider} service is an SPI, its standard implementation is internal.
	 */
	public static SqmMultiTableMutationStrategyProvider multiTableMutationStrategies(StatementRunner runner) {
		return new MultiTableStatements.Strategies( new SqmMultiTableMutationStrategyProviderStandard(), runner );
	}
}
