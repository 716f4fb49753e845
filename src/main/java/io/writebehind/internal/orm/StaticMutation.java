package io.writebehind.internal.orm;

import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntFunction;

import org.hibernate.engine.OptimisticLockStyle;
import org.hibernate.engine.jdbc.mutation.ParameterUsage;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.generator.Generator;
import org.hibernate.jdbc.Expectation;
import org.hibernate.metamodel.mapping.AttributeMapping;
import org.hibernate.metamodel.mapping.BasicEntityIdentifierMapping;
import org.hibernate.metamodel.mapping.BasicValuedModelPart;
import org.hibernate.metamodel.mapping.CompositeIdentifierMapping;
import org.hibernate.metamodel.mapping.EmbeddableMappingType;
import org.hibernate.metamodel.mapping.EmbeddableValuedModelPart;
import org.hibernate.metamodel.mapping.EntityIdentifierMapping;
import org.hibernate.metamodel.mapping.ForeignKeyDescriptor;
import org.hibernate.metamodel.mapping.ModelPart;
import org.hibernate.metamodel.mapping.NonAggregatedIdentifierMapping;
import org.hibernate.metamodel.mapping.PluralAttributeMapping;
import org.hibernate.metamodel.mapping.SelectableMapping;
import org.hibernate.metamodel.mapping.internal.ToOneAttributeMapping;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.persister.entity.mutation.DeleteCoordinatorStandard;
import org.hibernate.persister.entity.mutation.InsertCoordinatorStandard;
import org.hibernate.persister.entity.mutation.UpdateCoordinatorStandard;
import org.hibernate.property.access.internal.PropertyAccessStrategyBackRefImpl;
import org.hibernate.property.access.internal.PropertyAccessStrategyIndexBackRefImpl;
import org.hibernate.property.access.spi.PropertyAccessStrategy;
import org.hibernate.sql.model.MutationOperation;
import org.hibernate.sql.model.MutationOperationGroup;
import org.hibernate.sql.model.PreparableMutationOperation;
import org.hibernate.sql.model.jdbc.JdbcValueDescriptor;
import org.hibernate.type.EntityType;
import org.hibernate.type.Type;
import org.hibernate.type.descriptor.ValueBinder;

/**
 * One entity's INSERT, UPDATE or DELETE as Hibernate's own coordinator would issue it with its static SQL (the same SQL
 * string, the same JDBC positions and value binders, the values decomposed by the attribute mappings as the mutation
 * executors do), bound directly on a {@link PreparedStatement} the caller batches: no per-row value analysis, no
 * mutation executor, no statement group. Built once per entity and operation, immutable, shared between threads.
 * <p>
 * {@link #of} builds one only where the result is exactly Hibernate's statement; else it says why not
 * ({@link #unsupportedReason()}) and the caller writes through the coordinator. What it handles: an entity of one table
 * (no inheritance, no secondary table), a basic or aggregated ({@code @EmbeddedId}) id the application assigns or a
 * generator creates before the insert, basic attributes (converters included), embeddables of basic attributes,
 * {@code @Version}, to-one associations with a single foreign-key column to the target's primary key, collections
 * (no column in the table), Hibernate's generated SQL (no custom SQL) with its standard row-count expectation. Every JDBC parameter of the SQL must be bound by one
 * of these, which rules out whatever else Hibernate adds (tenant or partition restrictions, row ids, discriminators).
 * <p>
 * Uses Hibernate's mutation coordinator implementations ({@code InsertCoordinatorStandard}, ...) for their static
 * operation groups, {@code ToOneAttributeMapping} and the backref property accessors (internal).
 */
public final class StaticMutation {

	/** Which statement. */
	public enum Kind { INSERT, UPDATE, DELETE }

	/** Binds one JDBC value; {@code position} 0: the column is not in this statement. */
	private record Slot(int position, ValueBinder<Object> binder, SelectableMapping selectable) {
	}

	/** How the value of one state-array position is bound. */
	private record Part(int stateIndex, ModelPart decomposer, Type assembler, boolean toOne, Slot[] slots) {
	}

	private static final ModelPart.JdbcValueBiConsumer<Binding, Slot[]> BIND = (index, binding, slots, value, selectable) ->
			binding.bind( slots, index, value, selectable );

	private final String entityName;
	private final Kind kind;
	private final String sql;
	private final String unsupported;
	private final Part[] parts;
	private final Part id;
	private final Part version;
	private final boolean checksRowCount;
	private final int parameters;
	/** Where the values tuple of a plain insert starts in {@link #sql}; -1 for other statements. */
	private final int valuesStart;
	/** The pieces of the update or delete joined with a values list ({@link #joinedSql}); null when it has none. */
	private final Joined joined;

	/**
	 * An update or delete joined with a {@code VALUES} list, PostgreSQL's form: {@code head}, the rows (the first one
	 * {@code firstRow}, the others {@code row}), {@code tail}.
	 */
	private record Joined(String head, String firstRow, String row, String tail) {
	}

	private StaticMutation(String entityName, Kind kind, String sql, String unsupported, Part[] parts, Part id,
			Part version, boolean checksRowCount, int parameters, Joined joined) {
		this.entityName = entityName;
		this.kind = kind;
		this.sql = sql;
		this.unsupported = unsupported;
		this.parts = parts;
		this.id = id;
		this.version = version;
		this.checksRowCount = checksRowCount;
		this.parameters = parameters;
		this.valuesStart = sql == null ? -1 : valuesStart( kind, sql, parameters );
		this.joined = joined;
	}

	private static StaticMutation unsupported(EntityPersister persister, Kind kind, String reason) {
		return new StaticMutation( persister.getEntityName(), kind, null, reason, null, null, null, false, 0, null );
	}

	/** The statement of {@code kind} for the entity, or one that says why it cannot be written directly. */
	public static StaticMutation of(EntityPersister persister, Kind kind) {
		try {
			return build( persister, kind );
		}
		catch (RuntimeException e) {
			// a mapping this class does not know: Hibernate's coordinator writes it
			return unsupported( persister, kind, "not analysed (" + e + ")" );
		}
	}

	private static StaticMutation build(EntityPersister persister, Kind kind) {
		if ( persister.getSuperMappingType() != null || persister.hasSubclasses() ) {
			return unsupported( persister, kind, "an inheritance hierarchy" );
		}
		if ( persister.hasLazyProperties() ) {
			return unsupported( persister, kind, "lazy properties" );
		}
		if ( persister.getSoftDeleteMapping() != null || persister.getTenantIdMapping() != null || persister.hasRowId() ) {
			return unsupported( persister, kind, "soft delete, a tenant id or a row id" );
		}
		OptimisticLockStyle locking = persister.optimisticLockStyle();
		if ( locking != OptimisticLockStyle.VERSION && locking != OptimisticLockStyle.NONE ) {
			return unsupported( persister, kind, "optimistic locking " + locking );
		}
		Generator idGenerator = persister.getGenerator();
		if ( kind == Kind.INSERT && idGenerator != null && idGenerator.generatedOnExecution() ) {
			return unsupported( persister, kind, "an id generated on insert" );
		}
		if ( kind == Kind.INSERT && ( persister.hasPreInsertGeneratedProperties() || persister.hasInsertGeneratedProperties() ) ) {
			return unsupported( persister, kind, "values generated on insert" );
		}
		if ( kind == Kind.UPDATE && ( persister.hasPreUpdateGeneratedProperties() || persister.hasUpdateGeneratedProperties() ) ) {
			return unsupported( persister, kind, "values generated on update" );
		}
		MutationOperationGroup group = switch ( kind ) {
			case INSERT -> persister.getInsertCoordinator() instanceof InsertCoordinatorStandard c
					&& c.getClass() == InsertCoordinatorStandard.class ? c.getStaticMutationOperationGroup() : null;
			case UPDATE -> persister.getUpdateCoordinator() instanceof UpdateCoordinatorStandard c
					&& c.getClass() == UpdateCoordinatorStandard.class ? c.getStaticMutationOperationGroup() : null;
			case DELETE -> persister.getDeleteCoordinator() instanceof DeleteCoordinatorStandard c
					&& c.getClass() == DeleteCoordinatorStandard.class ? c.getStaticMutationOperationGroup() : null;
		};
		if ( group == null ) {
			return unsupported( persister, kind, "no static SQL (dynamic insert/update, immutable, or another coordinator)" );
		}
		if ( group.getNumberOfOperations() != 1
				|| !( group.getSingleOperation() instanceof PreparableMutationOperation operation )
				|| operation.isCallable() ) {
			return unsupported( persister, kind, "more than one table or a callable statement" );
		}
		var details = switch ( kind ) {
			case INSERT -> operation.getTableDetails().getInsertDetails();
			case UPDATE -> operation.getTableDetails().getUpdateDetails();
			case DELETE -> operation.getTableDetails().getDeleteDetails();
		};
		if ( details != null && details.getCustomSql() != null ) {
			return unsupported( persister, kind, "custom SQL (@SQLInsert, @SQLUpdate, @SQLDelete)" );
		}
		boolean checksRowCount;
		Expectation expectation = operation.getExpectation();
		if ( expectation != null && expectation.getClass() == Expectation.RowCount.class ) {
			checksRowCount = true;
		}
		else if ( expectation != null && expectation.getClass() == Expectation.None.class ) {
			checksRowCount = false;
		}
		else {
			return unsupported( persister, kind, "row-count expectation " + expectation );
		}
		EntityIdentifierMapping idMapping = persister.getIdentifierMapping();
		if ( !( idMapping instanceof BasicEntityIdentifierMapping
				|| idMapping instanceof CompositeIdentifierMapping composite && !( composite instanceof NonAggregatedIdentifierMapping ) ) ) {
			return unsupported( persister, kind, "an @IdClass id" );
		}

		String table = operation.getTableDetails().getTableName();
		BitSet bound = new BitSet();
		// by JDBC position: the column each parameter sets or restricts
		String[] columns = new String[operation.getParameterBinders().size() + 1];
		boolean[] restricts = new boolean[columns.length];
		List<Part> parts = new ArrayList<>();
		Part versionPart = null;
		ParameterUsage idUsage = kind == Kind.INSERT ? ParameterUsage.SET : ParameterUsage.RESTRICT;
		Part idPart = part( -1, idMapping, null, false, idMapping, operation, table, idUsage, kind, bound, columns, restricts );
		if ( idPart == null ) {
			return unsupported( persister, kind, "an id column bound twice" );
		}
		if ( kind != Kind.DELETE ) {
			Type[] types = persister.getPropertyTypes();
			SessionFactoryImplementor factory = persister.getFactory();
			for ( int i = 0; i < persister.getNumberOfAttributeMappings(); i++ ) {
				AttributeMapping attribute = persister.getAttributeMapping( i );
				int stateIndex = attribute.getStateArrayPosition();
				PropertyAccessStrategy access = attribute.getPropertyAccess().getPropertyAccessStrategy();
				if ( access instanceof PropertyAccessStrategyBackRefImpl || access instanceof PropertyAccessStrategyIndexBackRefImpl ) {
					return unsupported( persister, kind, "a backref property (unidirectional @OneToMany @JoinColumn)" );
				}
				if ( attribute instanceof PluralAttributeMapping ) {
					continue;
				}
				Part part;
				if ( attribute instanceof ToOneAttributeMapping toOne ) {
					if ( toOne.getSideNature() == ForeignKeyDescriptor.Nature.TARGET ) {
						continue; // the other side holds the foreign key
					}
					ForeignKeyDescriptor fk = toOne.getForeignKeyDescriptor();
					if ( !toOne.isReferenceToPrimaryKey() || !( fk.getKeyPart() instanceof BasicValuedModelPart )
							|| !( types[stateIndex] instanceof EntityType entityType ) ) {
						return unsupported( persister, kind, "a to-one " + attribute.getAttributeName()
								+ " with a composite foreign key or to a unique key" );
					}
					Type idType = entityType.getIdentifierOrUniqueKeyType( factory.getRuntimeMetamodels() );
					part = part( stateIndex, fk, idType, true, fk.getKeyPart(), operation, table, ParameterUsage.SET, kind, bound,
							columns, restricts );
				}
				else if ( attribute instanceof BasicValuedModelPart
						|| attribute instanceof EmbeddableValuedModelPart embedded && basicOnly( embedded.getEmbeddableTypeDescriptor() ) ) {
					part = part( stateIndex, attribute, types[stateIndex], false, attribute, operation, table,
							ParameterUsage.SET, kind, bound, columns, restricts );
				}
				else {
					return unsupported( persister, kind, "the attribute " + attribute.getAttributeName() + " ("
							+ attribute.getClass().getSimpleName() + ")" );
				}
				if ( part == null ) {
					return unsupported( persister, kind, "a column bound twice (" + attribute.getAttributeName() + ")" );
				}
				parts.add( part );
			}
		}
		if ( kind != Kind.INSERT && persister.isVersioned() ) {
			versionPart = part( -1, persister.getVersionMapping(), null, false, persister.getVersionMapping(), operation,
					table, ParameterUsage.RESTRICT, kind, bound, columns, restricts );
			if ( versionPart == null || versionPart.slots()[0].position() == 0 ) {
				return unsupported( persister, kind, "no version restriction" );
			}
		}
		int parameters = operation.getParameterBinders().size();
		if ( bound.cardinality() != parameters || bound.nextSetBit( 0 ) != 1 || bound.length() != parameters + 1 ) {
			return unsupported( persister, kind, "the SQL has parameters other than the entity's columns ("
					+ bound.cardinality() + " of " + parameters + " bound)" );
		}
		return new StaticMutation( persister.getEntityName(), kind, operation.getSqlString(), null,
				parts.toArray( Part[]::new ), idPart, versionPart, checksRowCount, parameters,
				joined( kind, table, operation.getSqlString(), columns, restricts ) );
	}

	/**
	 * The update or delete joined with a values list, for SQL of exactly Hibernate's standard form ({@code update t set
	 * a=?,b=? where id=? and version=?}, {@code delete from t where id=? and version=?}); null for any other form (write
	 * expressions of {@code @ColumnTransformer}, for example) and for an insert. Each row of values is one row's
	 * parameters in the statement's own order, named {@code p1 ... pn} by their JDBC position; the first row's values
	 * take the type of their column ({@code coalesce(?, (null::t).c)}: the row type of the table has it), so that a
	 * parameter the driver sends untyped (a timestamp, a date) resolves as it would in the single-row statement.
	 */
	private static Joined joined(Kind kind, String table, String sql, String[] columns, boolean[] restricts) {
		if ( kind == Kind.INSERT ) {
			return null;
		}
		int n = columns.length - 1;
		StringBuilder set = new StringBuilder();
		StringBuilder where = new StringBuilder();
		StringBuilder joinedSet = new StringBuilder();
		StringBuilder joinedWhere = new StringBuilder();
		StringBuilder names = new StringBuilder();
		StringBuilder firstRow = new StringBuilder( "(" );
		StringBuilder row = new StringBuilder( "(" );
		for ( int position = 1; position <= n; position++ ) {
			String column = columns[position];
			if ( column == null ) {
				return null;
			}
			String parameter = "wb_v.p" + position;
			if ( restricts[position] ) {
				where.append( where.isEmpty() ? "" : " and " ).append( column ).append( "=?" );
				joinedWhere.append( joinedWhere.isEmpty() ? "" : " and " ).append( "wb_t." ).append( column ).append( '=' ).append( parameter );
			}
			else {
				set.append( set.isEmpty() ? "" : "," ).append( column ).append( "=?" );
				joinedSet.append( joinedSet.isEmpty() ? "" : "," ).append( column ).append( '=' ).append( parameter );
			}
			names.append( position == 1 ? "p" : ",p" ).append( position );
			firstRow.append( position == 1 ? "" : "," ).append( "coalesce(?,(null::" ).append( table ).append( ")." ).append( column ).append( ')' );
			row.append( position == 1 ? "?" : ",?" );
		}
		firstRow.append( ')' );
		row.append( ')' );
		String values = " (values ";
		String alias = ") as wb_v(" + names + ") where " + joinedWhere;
		if ( kind == Kind.UPDATE ) {
			if ( set.isEmpty() || where.isEmpty() || !sql.equals( "update " + table + " set " + set + " where " + where ) ) {
				return null;
			}
			return new Joined( "update " + table + " as wb_t set " + joinedSet + " from" + values, firstRow.toString(), row.toString(), alias );
		}
		if ( where.isEmpty() || !set.isEmpty() || !sql.equals( "delete from " + table + " where " + where ) ) {
			return null;
		}
		return new Joined( "delete from " + table + " as wb_t using" + values, firstRow.toString(), row.toString(), alias );
	}

	private static boolean basicOnly(EmbeddableMappingType embeddable) {
		if ( embeddable.getDiscriminatorMapping() != null ) {
			return false;
		}
		for ( int i = 0; i < embeddable.getNumberOfAttributeMappings(); i++ ) {
			AttributeMapping attribute = embeddable.getAttributeMapping( i );
			if ( attribute instanceof EmbeddableValuedModelPart nested ) {
				if ( !basicOnly( nested.getEmbeddableTypeDescriptor() ) ) {
					return false;
				}
			}
			else if ( !( attribute instanceof BasicValuedModelPart ) ) {
				return false;
			}
		}
		return true;
	}

	/** The slots of a model part's columns in {@code operation}; null when a position would be bound twice. */
	@SuppressWarnings("unchecked")
	private static Part part(int stateIndex, ModelPart decomposer, Type assembler, boolean toOne, ModelPart columns,
			MutationOperation operation, String table, ParameterUsage usage, Kind kind, BitSet bound,
			String[] columnAt, boolean[] restricts) {
		List<Slot> slots = new ArrayList<>();
		boolean[] twice = new boolean[1];
		columns.forEachSelectable( (index, selectable) -> {
			int position = 0;
			ValueBinder<Object> binder = null;
			boolean written = usage == ParameterUsage.RESTRICT
					|| ( kind == Kind.INSERT ? selectable.isInsertable() : selectable.isUpdateable() );
			if ( written && !selectable.isFormula() && table.equals( selectable.getContainingTableExpression() ) ) {
				JdbcValueDescriptor descriptor = operation.findValueDescriptor( selectable.getSelectionExpression(), usage );
				if ( descriptor != null ) {
					position = descriptor.getJdbcPosition(); // 1-based, as JDBC
					binder = (ValueBinder<Object>) descriptor.getJdbcMapping().getJdbcValueBinder();
					if ( bound.get( position ) ) {
						twice[0] = true;
					}
					bound.set( position );
					if ( position < columnAt.length ) {
						columnAt[position] = descriptor.getColumnName();
						restricts[position] = usage == ParameterUsage.RESTRICT;
					}
				}
			}
			while ( slots.size() < index ) {
				slots.add( new Slot( 0, null, null ) );
			}
			slots.add( new Slot( position, binder, selectable ) );
		} );
		return twice[0] ? null : new Part( stateIndex, decomposer, assembler, toOne, slots.toArray( Slot[]::new ) );
	}

	/** Whether the entity and operation can be written directly; else {@link #unsupportedReason()}. */
	public boolean supported() {
		return unsupported == null;
	}

	/** Why Hibernate's coordinator writes it instead; null when {@link #supported()}. */
	public String unsupportedReason() {
		return unsupported;
	}

	public String entityName() {
		return entityName;
	}

	public Kind kind() {
		return kind;
	}

	/** The persister's own SQL of the statement. */
	public String sql() {
		return sql;
	}

	/** Whether the row count is checked (Hibernate's standard expectation); false for {@code check = NONE}. */
	public boolean checksRowCount() {
		return checksRowCount;
	}

	/** Whether the statement has a {@code version = ?} restriction. */
	public boolean versionChecked() {
		return version != null;
	}

	/**
	 * Binds one row: {@code state} gives the entity's disassembled values by state-array position (the second-level
	 * cache form; unused for a delete), {@code dbVersion} the version the row has in the database (the restriction of an update or delete).
	 */
	public void bind(PreparedStatement statement, Object idValue, IntFunction<Serializable> state, Object dbVersion,
			SharedSessionContractImplementor session) throws SQLException {
		bind( statement, 0, idValue, state, dbVersion, session );
	}

	/**
	 * Binds one row of a {@linkplain #multiRowSql multi-row insert} or a {@linkplain #joinedSql joined update or
	 * delete}: {@code row} (from 0) is the row's place in the statement.
	 */
	public void bindRow(PreparedStatement statement, int row, Object idValue, IntFunction<Serializable> state,
			Object dbVersion, SharedSessionContractImplementor session) throws SQLException {
		bind( statement, row * parameters, idValue, state, dbVersion, session );
	}

	/**
	 * Whether the statement has a multi-row form: {@link #multiRowSql} for an insert, {@link #joinedSql} for an update
	 * or delete.
	 */
	public boolean hasMultiRowForm() {
		return kind == Kind.INSERT ? valuesStart >= 0 : joined != null;
	}

	/** The JDBC parameters of one row. */
	public int parameters() {
		return parameters;
	}

	/**
	 * For an insert of the form {@code insert into t (c1,...,cn) values (?,...,?)}: the same statement with
	 * {@code rows} rows of values ({@code values (?,...,?),(?,...,?),...}); null when the SQL has another form (write
	 * expressions of {@code @ColumnTransformer}, for example) or for an update or delete.
	 */
	public String multiRowSql(int rows) {
		if ( kind != Kind.INSERT || valuesStart < 0 ) {
			return null;
		}
		String tuple = sql.substring( valuesStart );
		StringBuilder sb = new StringBuilder( valuesStart + rows * ( tuple.length() + 1 ) );
		sb.append( sql, 0, valuesStart );
		for ( int i = 0; i < rows; i++ ) {
			if ( i > 0 ) {
				sb.append( ',' );
			}
			sb.append( tuple );
		}
		return sb.toString();
	}

	/**
	 * For an update or delete of Hibernate's standard form: the statement for {@code rows} rows at once, joined with
	 * a values list of their parameters, in PostgreSQL's form ({@code update t as wb_t set a=wb_v.p1,... from (values
	 * (...),(...)) as wb_v(p1,...) where wb_t.id=wb_v.p3 and wb_t.version=wb_v.p4}, {@code delete from t as wb_t
	 * using (values ...) ...}). Its row count is the number of rows whose restriction matched. Null for an insert or
	 * another form of SQL.
	 */
	public String joinedSql(int rows) {
		Joined j = joined;
		if ( j == null ) {
			return null;
		}
		StringBuilder sb = new StringBuilder( j.head().length() + j.firstRow().length() + ( rows - 1 ) * ( j.row().length() + 1 )
				+ j.tail().length() );
		sb.append( j.head() ).append( j.firstRow() );
		for ( int i = 1; i < rows; i++ ) {
			sb.append( ',' ).append( j.row() );
		}
		return sb.append( j.tail() ).toString();
	}

	private static int valuesStart(Kind kind, String sql, int parameters) {
		if ( kind != Kind.INSERT ) {
			return -1;
		}
		int at = sql.lastIndexOf( " values (" );
		if ( at < 0 ) {
			return -1;
		}
		String tuple = sql.substring( at + " values ".length() );
		StringBuilder expected = new StringBuilder( "(" );
		for ( int i = 0; i < parameters; i++ ) {
			expected.append( i == 0 ? "?" : ",?" );
		}
		expected.append( ')' );
		return tuple.equals( expected.toString() ) ? at + " values ".length() : -1;
	}

	private void bind(PreparedStatement statement, int offset, Object idValue, IntFunction<Serializable> state, Object dbVersion,
			SharedSessionContractImplementor session) throws SQLException {
		Binding binding = new Binding( statement, session, offset );
		try {
			id.decomposer().decompose( idValue, 0, binding, id.slots(), BIND, session );
			for ( Part part : parts ) {
				Serializable cached = state.apply( part.stateIndex() );
				Object value = cached == null ? null : part.assembler().assemble( cached, session, null );
				if ( part.toOne() ) {
					( (ForeignKeyDescriptor) part.decomposer() ).getKeyPart().decompose( value, 0, binding, part.slots(), BIND, session );
				}
				else {
					part.decomposer().decompose( value, 0, binding, part.slots(), BIND, session );
				}
			}
			if ( version != null ) {
				version.decomposer().decompose( dbVersion, 0, binding, version.slots(), BIND, session );
			}
		}
		catch (BindFailure e) {
			throw e.sql;
		}
	}

	/** The statement and session of one row's binding. */
	private static final class Binding {
		final PreparedStatement statement;
		final SharedSessionContractImplementor session;
		final int offset;

		Binding(PreparedStatement statement, SharedSessionContractImplementor session, int offset) {
			this.statement = statement;
			this.session = session;
			this.offset = offset;
		}

		void bind(Slot[] slots, int index, Object value, SelectableMapping selectable) {
			Slot slot = slots[index];
			if ( slot.selectable() != selectable && !slot.selectable().getSelectionExpression().equals( selectable.getSelectionExpression() ) ) {
				throw new IllegalStateException( "column " + selectable.getSelectionExpression() + " at value " + index
						+ ", expected " + slot.selectable().getSelectionExpression() );
			}
			if ( slot.position() == 0 ) {
				return;
			}
			try {
				slot.binder().bind( statement, value, offset + slot.position(), session );
			}
			catch (SQLException e) {
				throw new BindFailure( e );
			}
		}
	}

	/** Carries a binder's SQLException out of the decomposition callback. */
	private static final class BindFailure extends RuntimeException {
		private static final long serialVersionUID = 1L;
		final transient SQLException sql;

		BindFailure(SQLException sql) {
			super( null, sql, false, false );
			this.sql = sql;
		}
	}

	@Override
	public String toString() {
		return kind + " " + entityName + ( unsupported == null ? ": " + sql : " (through Hibernate's coordinator: " + unsupported + ")" );
	}
}
