package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hibernate.annotations.Any;
import org.hibernate.annotations.AnyDiscriminatorValue;
import org.hibernate.annotations.AnyKeyJavaClass;
import org.hibernate.annotations.ColumnDefault;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.Formula;
import org.hibernate.annotations.Generated;
import org.hibernate.annotations.OptimisticLockType;
import org.hibernate.annotations.OptimisticLocking;
import org.hibernate.generator.EventType;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Converter;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Embeddable;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Inheritance;
import jakarta.persistence.InheritanceType;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToMany;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderColumn;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Mappings write-behind cannot write correctly are refused when the factory starts, with a
 * {@link io.writebehind.WriteBehindConfigurationException} that names the entity, the attribute, the reason and the
 * fix. Each test builds a factory of its own entities.
 */
class RefusedMappingsTest extends MappingTestBase {

	@Entity(name = "WbmValid")
	@Table(name = "wbm_valid")
	@WriteBehindEntity
	static class Valid {
		@Id
		Long id;
		@Version
		int version;
	}

	/** A normal entity that refused mappings point at. */
	@Entity(name = "WbmTag")
	@Table(name = "wbm_tag")
	static class Tag {
		@Id
		Long id;
		String name;
	}

	@Entity(name = "WbmWithElementCollection")
	@Table(name = "wbm_with_element_collection")
	@WriteBehindEntity
	static class WithElementCollection {
		@Id
		Long id;
		@ElementCollection
		Set<String> labels = new HashSet<>();
	}

	@Entity(name = "WbmWithManyToMany")
	@Table(name = "wbm_with_many_to_many")
	@WriteBehindEntity
	static class WithManyToMany {
		@Id
		Long id;
		@ManyToMany
		Set<Tag> tags = new HashSet<>();
	}

	@Entity(name = "WbmWithJoinTableOneToMany")
	@Table(name = "wbm_with_join_table_one_to_many")
	@WriteBehindEntity
	static class WithJoinTableOneToMany {
		@Id
		Long id;
		@OneToMany
		List<Tag> tags = new ArrayList<>();
	}

	@Entity(name = "WbmWithJoinColumnOneToMany")
	@Table(name = "wbm_with_join_column_one_to_many")
	@WriteBehindEntity
	static class WithJoinColumnOneToMany {
		@Id
		Long id;
		@OneToMany
		@JoinColumn(name = "owner_id")
		List<Tag> tags = new ArrayList<>();
	}

	/** A value the database generates on INSERT, while write-behind writes the INSERT (the id is assigned). */
	@Entity(name = "WbmWithGeneratedOnInsert")
	@Table(name = "wbm_with_generated_on_insert")
	@WriteBehindEntity
	static class WithGeneratedOnInsert {
		@Id
		Long id;
		@Generated
		@ColumnDefault("1")
		Integer code;
	}

	/** A value the database generates on UPDATE: IDENTITY entities' updates are written behind too. */
	@Entity(name = "WbmIdentityWithGeneratedOnUpdate")
	@Table(name = "wbm_identity_with_generated_on_update")
	@WriteBehindEntity
	static class IdentityWithGeneratedOnUpdate {
		@Id
		@GeneratedValue(strategy = GenerationType.IDENTITY)
		Long id;
		@Generated(event = { EventType.INSERT, EventType.UPDATE })
		@ColumnDefault("1")
		Integer code;
	}

	@Entity(name = "WbmAnimal")
	@Table(name = "wbm_animal")
	@Inheritance(strategy = InheritanceType.SINGLE_TABLE)
	static class Animal {
		@Id
		Long id;
	}

	@Entity(name = "WbmDog")
	@WriteBehindEntity
	static class Dog extends Animal {
		String breed;
	}

	@Embeddable
	static class Labelled {
		String text;
		@ManyToOne
		Tag tag;
	}

	@Entity(name = "WbmWithAssociationInEmbeddable")
	@Table(name = "wbm_with_association_in_embeddable")
	@WriteBehindEntity
	static class WithAssociationInEmbeddable {
		@Id
		Long id;
		@Embedded
		Labelled label;
	}

	@Entity(name = "WbmCached")
	@Table(name = "wbm_cached")
	@Cacheable
	@WriteBehindEntity
	static class Cached {
		@Id
		Long id;
		@Version
		int version;
	}

	@Entity(name = "WbmLockAll")
	@Table(name = "wbm_lock_all")
	@OptimisticLocking(type = OptimisticLockType.ALL)
	@DynamicUpdate
	@WriteBehindEntity
	static class LockAll {
		@Id
		Long id;
		String name;
	}

	@Entity(name = "WbmLockDirty")
	@Table(name = "wbm_lock_dirty")
	@OptimisticLocking(type = OptimisticLockType.DIRTY)
	@DynamicUpdate
	@WriteBehindEntity
	static class LockDirty {
		@Id
		Long id;
		String name;
	}

	@Entity(name = "WbmWithAny")
	@Table(name = "wbm_with_any")
	@WriteBehindEntity
	static class WithAny {
		@Id
		Long id;
		@Any
		@AnyKeyJavaClass(Long.class)
		@AnyDiscriminatorValue(discriminator = "T", entity = Tag.class)
		@Column(name = "target_type")
		@JoinColumn(name = "target_id")
		Object target;
	}

	/** An opted-in child whose order column is written by the inverse collection of its (normal) parent. */
	@Entity(name = "WbmOrderedParent")
	@Table(name = "wbm_ordered_parent")
	static class OrderedParent {
		@Id
		Long id;
		@OneToMany(mappedBy = "parent")
		@OrderColumn(name = "position")
		List<OrderedChild> children = new ArrayList<>();
	}

	@Entity(name = "WbmOrderedChild")
	@Table(name = "wbm_ordered_child")
	@WriteBehindEntity
	static class OrderedChild {
		@Id
		Long id;
		@ManyToOne
		OrderedParent parent;
	}

	/** An opted-in parent whose inverse, ordered collection writes the order column of opted-in children. */
	@Entity(name = "WbmOrderedOptedInParent")
	@Table(name = "wbm_ordered_opted_in_parent")
	@WriteBehindEntity
	static class OrderedOptedInParent {
		@Id
		Long id;
		@OneToMany(mappedBy = "parent")
		@OrderColumn(name = "position")
		List<OrderedOptedInChild> children = new ArrayList<>();
	}

	@Entity(name = "WbmOrderedOptedInChild")
	@Table(name = "wbm_ordered_opted_in_child")
	@WriteBehindEntity
	static class OrderedOptedInChild {
		@Id
		Long id;
		@ManyToOne
		OrderedOptedInParent parent;
	}

	/** A normal entity whose unidirectional one-to-many updates the foreign key column of opted-in rows. */
	@Entity(name = "WbmFolder")
	@Table(name = "wbm_folder")
	static class Folder {
		@Id
		Long id;
		@OneToMany
		@JoinColumn(name = "folder_id")
		List<Document> documents = new ArrayList<>();
	}

	@Entity(name = "WbmDocument")
	@Table(name = "wbm_document")
	@WriteBehindEntity
	static class Document {
		@Id
		Long id;
	}

	/** A value class that is not Serializable, stored through a converter. */
	record Celsius(double degrees) {
	}

	@Converter
	static class CelsiusConverter implements AttributeConverter<Celsius, Double> {
		@Override
		public Double convertToDatabaseColumn(Celsius attribute) {
			return attribute == null ? null : attribute.degrees();
		}

		@Override
		public Celsius convertToEntityAttribute(Double degrees) {
			return degrees == null ? null : new Celsius( degrees );
		}
	}

	@Embeddable
	static class Reading {
		@Convert(converter = CelsiusConverter.class)
		@Column(name = "reading_temperature")
		Celsius temperature;
	}

	@Entity(name = "WbmWithUnserializableValue")
	@Table(name = "wbm_with_unserializable_value")
	@WriteBehindEntity
	static class WithUnserializableValue {
		@Id
		Long id;
		@Convert(converter = CelsiusConverter.class)
		Celsius temperature;
		@Embedded
		Reading reading;
	}

	@Entity(name = "WbmWithFormula")
	@Table(name = "wbm_with_formula")
	@WriteBehindEntity
	static class WithFormula {
		@Id
		Long id;
		int price;
		@Formula("price * 2")
		int doublePrice;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Valid.class, Tag.class };
	}

	private String refused(Class<?>... entities) {
		return refused( Map.of(), entities );
	}

	private String refused(Map<String, Object> overrides, Class<?>... entities) {
		return assertRefused( overrides, entities, "remove @WriteBehindEntity" );
	}

	@Test
	void elementCollection() {
		String message = refused( WithElementCollection.class, Tag.class );
		assertTrue( message.contains( "WbmWithElementCollection.labels" )
				|| message.contains( "WithElementCollection.labels" ), message );
		assertTrue( message.contains( "@ElementCollection" ), message );
	}

	@Test
	void owningManyToMany() {
		String message = refused( WithManyToMany.class, Tag.class );
		assertTrue( message.contains( "WithManyToMany.tags" ), message );
		assertTrue( message.contains( "@ManyToMany" ), message );
		assertTrue( message.contains( "mappedBy" ), message );
	}

	@Test
	void joinTableOneToMany() {
		String message = refused( WithJoinTableOneToMany.class, Tag.class );
		assertTrue( message.contains( "WithJoinTableOneToMany.tags" ), message );
		assertTrue( message.contains( "@OneToMany without mappedBy" ), message );
		assertTrue( message.contains( "join table" ), message );
	}

	@Test
	void unidirectionalOneToManyWithJoinColumn() {
		String message = refused( WithJoinColumnOneToMany.class, Tag.class );
		assertTrue( message.contains( "WithJoinColumnOneToMany.tags" ), message );
		assertTrue( message.contains( "@OneToMany without mappedBy" ), message );
		assertTrue( message.contains( "@ManyToOne" ), message );
	}

	/** Issue 18: IDENTITY ids are accepted (IdentityIdMappingTest); values generated by the database otherwise are not. */
	@Test
	void valuesGeneratedByTheDatabase() {
		String message = refused( WithGeneratedOnInsert.class );
		assertTrue( message.contains( "WithGeneratedOnInsert" ), message );
		assertTrue( message.contains( "generated by the database on INSERT or UPDATE" ), message );
		message = refused( IdentityWithGeneratedOnUpdate.class );
		assertTrue( message.contains( "IdentityWithGeneratedOnUpdate" ), message );
		assertTrue( message.contains( "generated by the database on UPDATE (@Generated" ), message );
	}

	@Test
	void annotationOnlyOnASubclass() {
		String message = assertRefused( Map.of(), new Class<?>[] { Animal.class, Dog.class }, "RefusedMappingsTest$Dog",
				"RefusedMappingsTest$Animal", "put the annotation on" );
		assertTrue( message.indexOf( "put the annotation on" ) < message.lastIndexOf( "$Animal" ), message );
	}

	@Test
	void associationInsideAnEmbeddable() {
		String message = refused( WithAssociationInEmbeddable.class, Tag.class );
		assertTrue( message.contains( "WithAssociationInEmbeddable.label.tag" ), message );
		assertTrue( message.contains( "inside an embeddable" ), message );
	}

	@Test
	void secondLevelCache() {
		String message = refused( Map.of( "hibernate.cache.region.factory_class", MapRegionFactory.class.getName() ),
				Cached.class );
		assertTrue( message.contains( "WbmCached" ) || message.contains( "$Cached" ), message );
		assertTrue( message.contains( "second-level cache" ), message );
		assertTrue( message.contains( "@Cacheable" ), message );
	}

	@Test
	void secondLevelCacheForEveryEntity() {
		String message = refused( Map.of( "hibernate.cache.region.factory_class", MapRegionFactory.class.getName(),
				"jakarta.persistence.sharedCache.mode", "ALL" ), Valid.class );
		assertTrue( message.contains( "Valid" ), message );
		assertTrue( message.contains( "second-level cache" ), message );
		assertTrue( message.contains( "sharedCache.mode" ), message );
	}

	@Test
	void optimisticLockingAll() {
		String message = refused( LockAll.class );
		assertTrue( message.contains( "LockAll" ), message );
		assertTrue( message.contains( "@OptimisticLocking(type = ALL)" ), message );
		assertTrue( message.contains( "@Version" ), message );
	}

	@Test
	void optimisticLockingDirty() {
		String message = refused( LockDirty.class );
		assertTrue( message.contains( "LockDirty" ), message );
		assertTrue( message.contains( "@OptimisticLocking(type = DIRTY)" ), message );
	}

	@Test
	void anyAssociation() {
		String message = refused( WithAny.class, Tag.class );
		assertTrue( message.contains( "WithAny.target" ), message );
		assertTrue( message.contains( "@Any" ), message );
	}

	@Test
	void orderColumnWrittenByANormalEntitysInverseCollection() {
		String message = refused( OrderedParent.class, OrderedChild.class );
		assertTrue( message.contains( "OrderedParent.children" ), message );
		assertTrue( message.contains( "OrderedChild" ), message );
		assertTrue( message.contains( "@OrderColumn" ), message );
	}

	@Test
	void orderColumnWrittenByAnOptedInInverseCollection() {
		String message = refused( OrderedOptedInParent.class, OrderedOptedInChild.class );
		assertTrue( message.contains( "OrderedOptedInParent.children" ), message );
		assertTrue( message.contains( "@OrderColumn" ), message );
	}

	@Test
	void normalEntityWhoseOneToManyUpdatesOptedInRows() {
		String message = refused( Folder.class, Document.class );
		assertTrue( message.contains( "Folder.documents" ), message );
		assertTrue( message.contains( "Document" ), message );
	}

	@Test
	void valueThatIsNotSerializable() {
		String message = refused( WithUnserializableValue.class );
		assertTrue( message.contains( "WithUnserializableValue.temperature" ), message );
		assertTrue( message.contains( "WithUnserializableValue.reading.temperature" ), message );
		assertTrue( message.contains( "not java.io.Serializable" ), message );
		assertTrue( message.contains( "Make Celsius implement java.io.Serializable" ), message );
	}

	@Test
	void formula() {
		String message = refused( WithFormula.class );
		assertTrue( message.contains( "WithFormula.doublePrice" ), message );
		assertTrue( message.contains( "@Formula" ), message );
		assertTrue( message.contains( "@Transient" ), message );
	}

	@Test
	void everyProblemIsListedAtOnce() {
		String message = refused( WithElementCollection.class, WithManyToMany.class, LockAll.class, Tag.class );
		assertTrue( message.contains( "WithElementCollection.labels" ), message );
		assertTrue( message.contains( "WithManyToMany.tags" ), message );
		assertTrue( message.contains( "LockAll" ), message );
	}

	@Test
	void theValidMappingStarts() {
		inTransaction( em -> {
			Valid valid = new Valid();
			valid.id = 1L;
			em.persist( valid );
		} );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wbm_valid" ) );
	}
}
