package io.writebehind.orm;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.event.internal.DefaultLoadEventListener;
import org.hibernate.event.service.spi.EventListenerRegistry;
import org.hibernate.event.spi.EventType;
import org.hibernate.event.spi.LoadEvent;
import org.hibernate.jpa.HibernatePersistenceConfiguration;
import org.hibernate.persister.entity.EntityPersister;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import io.writebehind.internal.orm.DatasourceLoadListener;
import io.writebehind.internal.orm.HibernateInternals;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Inheritance;
import jakarta.persistence.InheritanceType;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OneToMany;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Issue 15 point 3: each use write-behind makes of Hibernate's internal classes ({@code io.writebehind.internal.orm})
 * and each Hibernate behaviour it relies on where an SPI stands in for an internal class, pinned: a Hibernate upgrade
 * that changes one fails here, by name, instead of silently changing what write-behind does. On an in-memory H2
 * factory (no statement is sent to a database).
 */
class HibernateInternalsTest {

	@Entity(name = "WboParent")
	@Table(name = "wbo_parent")
	static class Parent {
		@Id
		Long id;
		@OneToMany
		@JoinColumn(name = "parent_id", nullable = false)
		List<Child> children = new ArrayList<>();
	}

	/** The child of a unidirectional one-to-many: Hibernate gives it a synthetic "backref" property. */
	@Entity(name = "WboChild")
	@Table(name = "wbo_child")
	static class Child {
		@Id
		Long id;
	}

	@Entity(name = "WboVehicle")
	@Table(name = "wbo_vehicle")
	@Inheritance(strategy = InheritanceType.JOINED)
	@WriteBehindEntity
	static class Vehicle {
		@Id
		Long id;
		@Version
		long version;
	}

	@Entity(name = "WboCar")
	@Table(name = "wbo_car")
	static class Car extends Vehicle {
		int seats;
	}

	@Entity(name = "WboIntVersioned")
	@Table(name = "wbo_int_versioned")
	@WriteBehindEntity
	static class IntVersioned {
		@Id
		Long id;
		@Version
		Integer version;
	}

	/** A mutable value that is not Serializable, stored through a JPA converter. */
	static final class Tags {
		final List<String> names = new ArrayList<>();
	}

	@jakarta.persistence.Converter
	static final class TagsConverter implements jakarta.persistence.AttributeConverter<Tags, String> {
		@Override
		public String convertToDatabaseColumn(Tags tags) {
			return tags == null ? null : String.join( ",", tags.names );
		}

		@Override
		public Tags convertToEntityAttribute(String column) {
			Tags tags = new Tags();
			if ( column != null && !column.isEmpty() ) {
				tags.names.addAll( List.of( column.split( "," ) ) );
			}
			return tags;
		}
	}

	@Entity(name = "WboTagged")
	@Table(name = "wbo_tagged")
	@WriteBehindEntity
	static class Tagged {
		@Id
		Long id;
		@jakarta.persistence.Convert(converter = TagsConverter.class)
		Tags tags;
	}

	private static SessionFactoryImplementor factory;

	@BeforeAll
	static void boot() {
		HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "wbo-pins" )
				.jdbcUrl( "jdbc:h2:mem:wbo_pins;DB_CLOSE_DELAY=-1" )
				.managedClasses( Parent.class, Child.class, Vehicle.class, Car.class, IntVersioned.class, Tagged.class );
		configuration.property( "hibernate.hbm2ddl.auto", "create-drop" );
		configuration.property( "hibernate.writebehind.flush_on_shutdown", "false" );
		factory = configuration.createEntityManagerFactory().unwrap( SessionFactoryImplementor.class );
	}

	@AfterAll
	static void close() {
		if ( factory != null ) {
			factory.close();
		}
	}

	@Test
	void theConfiguredIsolationIsParsedAsHibernateParsesIt() {
		assertNull( HibernateInternals.configuredIsolation( Map.of() ) );
		assertEquals( Connection.TRANSACTION_READ_COMMITTED,
				HibernateInternals.configuredIsolation( Map.of( "hibernate.connection.isolation", "2" ) ) );
		assertEquals( Connection.TRANSACTION_REPEATABLE_READ, HibernateInternals.configuredIsolation(
				Map.of( "hibernate.connection.isolation", "TRANSACTION_REPEATABLE_READ" ) ) );
		assertEquals( Connection.TRANSACTION_SERIALIZABLE,
				HibernateInternals.configuredIsolation( Map.of( "hibernate.connection.isolation", "SERIALIZABLE" ) ) );
	}

	@Test
	void anUnknownBackRefIsTheValueHibernatesBackRefPropertyHolds() {
		EntityPersister child = factory.getMappingMetamodel().getEntityDescriptor( Child.class );
		Child instance = new Child();
		boolean found = false;
		for ( int i = 0; i < child.getNumberOfAttributeMappings(); i++ ) {
			Object value = child.getAttributeMapping( i ).getPropertyAccess().getGetter().get( instance );
			found |= HibernateInternals.isUnknownBackRef( value );
		}
		assertTrue( found, "no attribute of " + child.getEntityName() + " reads as the unknown backref" );
		assertTrue( HibernateInternals.isUnknownBackRef( HibernateInternals.unknownBackRef() ) );
		assertFalse( HibernateInternals.isUnknownBackRef( null ) );
	}

	@Test
	void theLoadListenerSubclassReplacesHibernatesOwnAndOverridesAMethodItStillHas() throws Exception {
		Method step = DefaultLoadEventListener.class.getDeclaredMethod( "loadFromDatasource", LoadEvent.class,
				EntityPersister.class );
		assertTrue( Modifier.isProtected( step.getModifiers() ) && !Modifier.isFinal( step.getModifiers() ), step.toString() );
		assertEquals( DatasourceLoadListener.class, DatasourceLoadListener.class.getDeclaredMethod( "loadFromDatasource",
				LoadEvent.class, EntityPersister.class ).getDeclaringClass() );
		List<Object> listeners = new ArrayList<>();
		factory.getServiceRegistry().requireService( EventListenerRegistry.class ).getEventListenerGroup( EventType.LOAD )
				.listeners().forEach( listeners::add );
		assertTrue( listeners.stream().anyMatch( DatasourceLoadListener.class::isInstance ), listeners.toString() );
		assertFalse( listeners.stream().anyMatch( l -> l.getClass() == DefaultLoadEventListener.class ), listeners.toString() );
		assertTrue( DatasourceLoadListener.isHibernatesOwn( new DefaultLoadEventListener() ) );
	}

	@Test
	void theExecutorsOfHibernatesJdbcServicesAreWriteBehindsWrappers() {
		var services = factory.getJdbcServices();
		assertEquals( "io.writebehind.hibernate.QueriesOutsideTransactions",
				services.getJdbcSelectExecutor().getClass().getName() );
		assertEquals( "io.writebehind.hibernate.BulkStatements$Executor",
				services.getJdbcMutationExecutor().getClass().getName() );
	}

	@Test
	void multiTableEntitiesGetTheirStrategyFromTheProviderServiceWriteBehindWraps() {
		EntityPersister vehicle = factory.getMappingMetamodel().getEntityDescriptor( Vehicle.class );
		assertNotNull( vehicle.getSqmMultiTableMutationStrategy() );
		assertTrue( vehicle.getSqmMultiTableMutationStrategy().getClass().getName()
				.startsWith( "io.writebehind.internal.orm.MultiTableStatements$" ),
				vehicle.getSqmMultiTableMutationStrategy().getClass().getName() );
		assertTrue( vehicle.getSqmMultiTableInsertStrategy().getClass().getName()
				.startsWith( "io.writebehind.internal.orm.MultiTableStatements$" ),
				vehicle.getSqmMultiTableInsertStrategy().getClass().getName() );
	}

	/**
	 * {@code MappingValidator} accepts a converted attribute of a mutable type that is not Serializable because
	 * Hibernate's plan for it disassembles to the column value (a plan declaring its own {@code disassemble}).
	 */
	@Test
	@SuppressWarnings("unchecked")
	void aConvertersPlanOfAMutableValueDisassemblesToTheColumnValue() throws Exception {
		EntityPersister tagged = factory.getMappingMetamodel().getEntityDescriptor( Tagged.class );
		var plan = (org.hibernate.type.descriptor.java.MutabilityPlan<Object>) tagged.findAttributeMapping( "tags" )
				.getAttributeMetadata().getMutabilityPlan();
		assertTrue( plan.isMutable() );
		Class<?> declaring = plan.getClass().getMethod( "disassemble", Object.class,
				org.hibernate.SharedSessionContract.class ).getDeclaringClass();
		assertNotEquals( org.hibernate.type.descriptor.java.MutableMutabilityPlan.class, declaring );
		assertNotEquals( org.hibernate.type.descriptor.java.ImmutableMutabilityPlan.class, declaring );
		Tags tags = new Tags();
		tags.names.add( "a" );
		tags.names.add( "b" );
		try ( var session = factory.openStatelessSession() ) {
			assertEquals( "a,b", plan.disassemble( tags, session ) );
		}
	}

	/** The flusher's next version of a row (its rebase after a conflict) is the persister's version generator's. */
	@Test
	void theVersionGeneratorIncrementsTheVersion() {
		try ( var session = factory.openStatelessSession() ) {
			var implementor = (SharedSessionContractImplementor) session;
			EntityPersister vehicle = factory.getMappingMetamodel().getEntityDescriptor( Vehicle.class );
			assertEquals( 6L, vehicle.getVersionGenerator().generate( implementor, new Vehicle(), 5L,
					org.hibernate.generator.EventType.UPDATE ) );
			EntityPersister intVersioned = factory.getMappingMetamodel().getEntityDescriptor( IntVersioned.class );
			assertEquals( 8, intVersioned.getVersionGenerator().generate( implementor, new IntVersioned(), 7,
					org.hibernate.generator.EventType.UPDATE ) );
		}
	}
}
