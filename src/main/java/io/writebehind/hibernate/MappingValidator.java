package io.writebehind.hibernate;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.hibernate.SharedSessionContract;
import org.hibernate.engine.OptimisticLockStyle;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.metamodel.mapping.AttributeMapping;
import org.hibernate.metamodel.mapping.BasicValuedModelPart;
import org.hibernate.metamodel.mapping.DiscriminatedAssociationModelPart;
import org.hibernate.metamodel.mapping.EmbeddableMappingType;
import org.hibernate.metamodel.mapping.EmbeddableValuedModelPart;
import org.hibernate.metamodel.mapping.EntityAssociationMapping;
import org.hibernate.metamodel.mapping.PluralAttributeMapping;
import org.hibernate.metamodel.mapping.SelectableMapping;
import org.hibernate.persister.collection.AbstractCollectionPersister;
import org.hibernate.persister.collection.CollectionPersister;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.EntityType;
import org.hibernate.type.descriptor.java.ImmutableMutabilityPlan;
import org.hibernate.type.descriptor.java.MutabilityPlan;
import org.hibernate.type.descriptor.java.MutableMutabilityPlan;
import org.hibernate.type.ManyToOneType;
import org.hibernate.type.Type;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindEntity;
import jakarta.persistence.metamodel.Attribute.PersistentAttributeType;

/**
 * Checks, once the persisters exist, that write-behind can write every mapping of an opted-in entity correctly, and
 * refuses the boot otherwise with a message naming the entity, the attribute, the reason and the fix. Never half-write.
 * <p>
 * What is accepted is what {@code EntityWriter} writes completely from the entity's own state: basic attributes,
 * embeddables of them, to-one associations that own a foreign key to the target's id (written from the id, never
 * selecting the target), inverse ({@code mappedBy}) associations (no column in the entity's rows), and every
 * inheritance strategy (Hibernate's coordinators write every table). Refused is whatever Hibernate writes outside the
 * entity's insert, update and delete statements (collection tables, join tables, foreign keys and order columns that
 * collection actions update at commit), values only the database knows (except the id and values generated on
 * INSERT of an entity whose id the database generates: Hibernate inserts it itself, see {@link IdentityInserts}), and
 * state write-behind cannot reproduce after coalescing.
 */
final class MappingValidator {

	private static final String FIX = "or remove @WriteBehindEntity from";

	private final SessionFactoryImplementor factory;
	private final List<String> problems = new ArrayList<>();

	MappingValidator(SessionFactoryImplementor factory) {
		this.factory = factory;
	}

	void validate(EntityPersister persister) {
		String entity = persister.getEntityName();
		String removeOptIn = FIX + " " + rootOf( persister );
		if ( entity.equals( persister.getRootEntityName() ) ) {
			validateHierarchy( persister, entity, removeOptIn );
		}
		if ( persister.getBytecodeEnhancementMetadata().isEnhancedForLazyLoading() ) {
			problem( entity + ": it is bytecode-enhanced for lazy loading, which write-behind does not support yet. "
					+ "Disable enhancement of lazy loading (hibernate.enhancer.enableLazyInitialization=false, or the "
					+ "build plugin's enableLazyInitialization) for it, " + removeOptIn );
		}
		Type[] types = persister.getPropertyTypes();
		String[] names = persister.getPropertyNames();
		for ( int i = 0; i < types.length; i++ ) {
			if ( declaredBySuperclass( persister, names[i] ) ) {
				continue; // reported once, for the entity that declares it
			}
			validateAttribute( persister, names[i], types[i], persister.getAttributeMapping( i ), removeOptIn );
		}
		validateCollectionsWritingRowsOf( persister, removeOptIn );
	}

	/** What holds for a whole hierarchy: id generation, caching, optimistic locking. */
	private void validateHierarchy(EntityPersister persister, String entity, String removeOptIn) {
		if ( persister.canWriteToCache() ) {
			problem( entity + ": it is also in Hibernate's second-level cache, which write-behind would let fall out "
					+ "of step with the database and with its own cache (the write-behind cache already serves its "
					+ "reads). Remove @Cacheable / @Cache from it; with jakarta.persistence.sharedCache.mode=ALL, switch "
					+ "to ENABLE_SELECTIVE (or to DISABLE_SELECTIVE with @Cacheable(false) on it), " + removeOptIn );
		}
		// an entity with a database-generated id is inserted by Hibernate itself, which reads back the values generated
		// on INSERT (IdentityInserts); its updates are written behind, so values generated on UPDATE stay refused
		boolean insertedAtCommit = IdentityInserts.insertsAtCommit( persister );
		if ( persister.hasUpdateGeneratedProperties()
				|| persister.hasInsertGeneratedProperties() && !insertedAtCommit ) {
			problem( entity + ": it has values generated by the database on " + ( insertedAtCommit ? "UPDATE" : "INSERT or "
					+ "UPDATE" ) + " (@Generated, database-side timestamps), which are unknown until the row is written "
					+ "and would be missing from the cache. Generate them in Java (@CreationTimestamp / @UpdateTimestamp "
					+ "with the default source = VM), " + removeOptIn );
		}
		OptimisticLockStyle lockStyle = persister.optimisticLockStyle();
		if ( lockStyle == OptimisticLockStyle.ALL || lockStyle == OptimisticLockStyle.DIRTY ) {
			problem( entity + ": @OptimisticLocking(type = " + lockStyle + ") compares columns with the values last "
					+ "read, which write-behind cannot reproduce after coalescing several commits into one write. Use a "
					+ "@Version attribute (and the default @OptimisticLocking(type = VERSION)), " + removeOptIn );
		}
	}

	private void validateAttribute(EntityPersister persister, String name, Type type, AttributeMapping attribute,
			String removeOptIn) {
		String where = persister.getEntityName() + "." + name;
		if ( attribute instanceof PluralAttributeMapping plural ) {
			validateOwnCollection( persister, where, name, plural.getCollectionDescriptor(), removeOptIn );
		}
		else if ( attribute instanceof EmbeddableValuedModelPart embedded ) {
			validateEmbeddable( where, embedded.getEmbeddableTypeDescriptor(), removeOptIn );
		}
		else if ( attribute instanceof BasicValuedModelPart ) {
			validateBasic( where, attribute, removeOptIn );
		}
		else if ( attribute instanceof DiscriminatedAssociationModelPart || type.isAnyType() ) {
			problem( where + " is an @Any association: write-behind writes associations from the target's id without "
					+ "loading the target, which it cannot do for @Any. Map it as a @ManyToOne to one entity, "
					+ removeOptIn );
		}
		else if ( type instanceof EntityType entityType && entityType instanceof ManyToOneType ) {
			if ( !entityType.isReferenceToPrimaryKey() ) {
				problem( where + " references " + entityType.getAssociatedEntityName() + " by a unique key other than "
						+ "its id (@JoinColumn(referencedColumnName = ...)), which write-behind cannot write without "
						+ "selecting the target. Reference the target's id, " + removeOptIn );
			}
			EntityPersister target = factory.getMappingMetamodel().getEntityDescriptor( entityType.getAssociatedEntityName() );
			if ( !target.hasProxy() ) {
				problem( where + " references " + target.getEntityName() + ", which Hibernate cannot proxy (a final "
						+ "class, or @Proxy(lazy = false)); write-behind writes foreign keys through proxies so that it "
						+ "never selects the target. Make the class non-final and proxyable, " + removeOptIn );
			}
		}
	}

	/** A collection of an opted-in entity: only inverse ones that write nothing are accepted. */
	private void validateOwnCollection(EntityPersister persister, String where, String name,
			CollectionPersister collection, String removeOptIn) {
		if ( collection.isInverse() ) {
			if ( collection.isOneToMany() && writesOrderColumnOfInverseSide( collection ) ) {
				problem( orderColumnProblem( where, collection, removeOptIn ) );
			}
			return;
		}
		PersistentAttributeType kind = attributeType( persister, name );
		String reason = " Hibernate writes its rows with collection actions when the application's transaction "
				+ "commits, which write-behind does not defer: they would reach the database before the entity's own "
				+ "row (or after its removal). ";
		if ( kind == PersistentAttributeType.ELEMENT_COLLECTION ) {
			problem( where + " is an @ElementCollection (a collection table)." + reason + "Map the elements as an "
					+ "entity with a @ManyToOne to " + simpleName( persister ) + " and this attribute as "
					+ "@OneToMany(mappedBy = ...), " + removeOptIn );
		}
		else if ( kind == PersistentAttributeType.MANY_TO_MANY ) {
			problem( where + " is an owning @ManyToMany (a join table)." + reason + "Make it the inverse side "
					+ "(@ManyToMany(mappedBy = ...)) of an association owned by an entity that is not opted in, or map "
					+ "the join table as an entity with two @ManyToOne, " + removeOptIn );
		}
		else if ( collection.isOneToMany() ) {
			problem( where + " is a @OneToMany without mappedBy (a @JoinColumn on the child table): it updates the "
					+ "foreign key column of the child rows." + reason + "Map the foreign key as a @ManyToOne on "
					+ "the child and this attribute as @OneToMany(mappedBy = ...), " + removeOptIn );
		}
		else if ( kind == PersistentAttributeType.ONE_TO_MANY ) {
			problem( where + " is a @OneToMany without mappedBy (a join table)." + reason + "Map the foreign key "
					+ "as a @ManyToOne on the child and this attribute as @OneToMany(mappedBy = ...), " + removeOptIn );
		}
		else {
			problem( where + " is a collection Hibernate writes itself (a collection or join table)." + reason
					+ "Map it as the inverse side (mappedBy) of an association owned by the other entity, " + removeOptIn );
		}
	}

	private void validateEmbeddable(String where, EmbeddableMappingType embeddable, String removeOptIn) {
		for ( int i = 0; i < embeddable.getNumberOfAttributeMappings(); i++ ) {
			AttributeMapping nested = embeddable.getAttributeMapping( i );
			String path = where + "." + nested.getAttributeName();
			if ( nested instanceof EmbeddableValuedModelPart inner ) {
				validateEmbeddable( path, inner.getEmbeddableTypeDescriptor(), removeOptIn );
			}
			else if ( nested instanceof BasicValuedModelPart ) {
				validateBasic( path, nested, removeOptIn );
			}
			else if ( nested instanceof EntityAssociationMapping || nested instanceof PluralAttributeMapping
					|| nested instanceof DiscriminatedAssociationModelPart ) {
				problem( path + " is an association or collection inside an embeddable, which write-behind does not "
						+ "support yet. Move it from the embeddable to the entity, " + removeOptIn );
			}
		}
	}

	/**
	 * The committed state is kept in Hibernate's disassembled (second-level cache) form, in which a value whose
	 * mutability plan keeps it as it is must be {@link Serializable}: otherwise every commit that writes the entity
	 * fails with a {@code ClassCastException}. A converter of a mutable value disassembles to the column value instead.
	 */
	private void validateBasic(String where, AttributeMapping attribute, String removeOptIn) {
		if ( attribute instanceof SelectableMapping selectable && selectable.isFormula() ) {
			problem( where + " is a @Formula: the database computes its value when it reads the row, but write-behind "
					+ "serves reads from the state the application committed, in which the value is unknown, so "
					+ "find() would return null or a stale value. Compute it in Java (a @Transient getter), "
					+ removeOptIn );
			return;
		}
		Class<?> javaClass = attribute.getJavaType().getJavaTypeClass();
		MutabilityPlan<?> plan = attribute.getAttributeMetadata().getMutabilityPlan();
		if ( javaClass != null && !javaClass.isPrimitive() && !Serializable.class.isAssignableFrom( javaClass )
				&& disassemblesByCast( plan ) ) {
			problem( where + " has the type " + javaClass.getName() + ", which is not java.io.Serializable: "
					+ "write-behind keeps committed state in Hibernate's disassembled (second-level cache) form, which "
					+ "holds such a value as it is, so every commit writing it would fail. Make " + javaClass.getSimpleName()
					+ " implement java.io.Serializable, " + removeOptIn );
		}
	}

	/**
	 * Whether the plan's disassemble casts the value itself to Serializable (as the two stock plans do). A JPA
	 * converter's plan declares its own, which disassembles to the column value (Hibernate gives every converted
	 * attribute of a mutable type such a plan, {@code HibernateInternalsTest} pins it).
	 */
	private static boolean disassemblesByCast(MutabilityPlan<?> plan) {
		if ( plan == null ) {
			return false; // no plan known
		}
		try {
			Class<?> declaring = plan.getClass().getMethod( "disassemble", Object.class, SharedSessionContract.class )
					.getDeclaringClass();
			return declaring == ImmutableMutabilityPlan.class || declaring == MutableMutabilityPlan.class;
		}
		catch (NoSuchMethodException e) {
			return false;
		}
	}

	/**
	 * Collections of any entity (opted in or not) that write columns of this entity's rows when the application's
	 * transaction commits: a unidirectional {@code @OneToMany @JoinColumn} (the foreign key) or an inverse
	 * {@code @OneToMany} with an {@code @OrderColumn} this entity does not map. Write-behind writes the rows later, so
	 * those updates would find no row (or be overwritten).
	 */
	private void validateCollectionsWritingRowsOf(EntityPersister element, String removeOptIn) {
		factory.getMappingMetamodel().forEachCollectionDescriptor( collection -> {
			if ( !collection.isOneToMany() || collection.getElementPersister() == null
					|| !collection.getElementPersister().getEntityName().equals( element.getEntityName() ) ) {
				return;
			}
			EntityPersister owner = collection.getOwnerEntityPersister();
			String where = collection.getRole();
			if ( collection.isInverse() ) {
				if ( !isOptedIn( owner ) && writesOrderColumnOfInverseSide( collection ) ) {
					// an opted-in owner's collection is reported by validateOwnCollection
					problem( orderColumnProblem( where, collection, removeOptIn ) );
				}
			}
			else if ( !isOptedIn( owner ) ) {
				problem( where + " is a @OneToMany without mappedBy that updates the foreign key column of the rows of "
						+ element.getEntityName() + ", which is opted in to write-behind: Hibernate runs those updates "
						+ "when the transaction commits, before write-behind has written the rows, so they would be "
						+ "lost. Map the foreign key as a @ManyToOne on " + simpleName( element ) + " and this "
						+ "attribute as @OneToMany(mappedBy = ...), " + removeOptIn );
			}
		} );
	}

	private String orderColumnProblem(String where, CollectionPersister collection, String removeOptIn) {
		String element = collection.getElementPersister().getEntityName();
		return where + " is an inverse @OneToMany with an @OrderColumn " + Arrays.toString( indexColumns( collection ) )
				+ " that " + element + " does not map: Hibernate writes that column of the " + element + " rows with "
				+ "UPDATEs when the transaction commits, before write-behind has written the rows, so the order would "
				+ "be lost. Map the order column as a basic attribute of " + element + " (and keep it up to date), "
				+ "drop the @OrderColumn, " + removeOptIn;
	}

	/** Mirrors {@code OneToManyPersister}'s decision to write the index column from the inverse side. */
	private static boolean writesOrderColumnOfInverseSide(CollectionPersister collection) {
		if ( !collection.isInverse() || !collection.hasIndex() ) {
			return false;
		}
		String[] columns = indexColumns( collection );
		if ( columns.length == 0 || Arrays.stream( columns ).anyMatch( Objects::isNull ) ) {
			return false; // a formula: nothing written
		}
		return !collection.getElementPersister().managesColumns( columns );
	}

	private static String[] indexColumns(CollectionPersister collection) {
		return collection instanceof AbstractCollectionPersister abstractPersister
				? abstractPersister.getIndexColumnNames()
				: new String[0];
	}

	private PersistentAttributeType attributeType(EntityPersister persister, String name) {
		try {
			return factory.getJpaMetamodel().entity( persister.getMappedClass() ).getAttribute( name )
					.getPersistentAttributeType();
		}
		catch (RuntimeException e) {
			return null;
		}
	}

	/** Whether the attribute is declared by an entity superclass, which is validated too. */
	private static boolean declaredBySuperclass(EntityPersister persister, String name) {
		EntityPersister superclass = persister.getSuperMappingType() == null ? null
				: persister.getSuperMappingType().getEntityPersister();
		return superclass != null && superclass.findAttributeMapping( name ) != null;
	}

	private static boolean isOptedIn(EntityPersister persister) {
		Class<?> mapped = persister.getMappedClass();
		return mapped != null && mapped.isAnnotationPresent( WriteBehindEntity.class );
	}

	private static String rootOf(EntityPersister persister) {
		return persister.getRootEntityName();
	}

	private static String simpleName(EntityPersister persister) {
		Class<?> mapped = persister.getMappedClass();
		return mapped == null ? persister.getEntityName() : mapped.getSimpleName();
	}

	private void problem(String message) {
		if ( !problems.contains( message ) ) {
			problems.add( message );
		}
	}

	void throwIfInvalid() {
		if ( !problems.isEmpty() ) {
			throw new WriteBehindConfigurationException( "Write-behind cannot write these @WriteBehindEntity mappings "
					+ "correctly:\n  - " + String.join( "\n  - ", problems ) );
		}
	}
}
