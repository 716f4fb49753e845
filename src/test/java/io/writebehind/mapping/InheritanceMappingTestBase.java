package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import org.hibernate.Hibernate;
import org.junit.jupiter.api.Test;

/**
 * One body for the three inheritance strategies, opted in on the root: a {@code Vehicle} hierarchy with {@code Car} and
 * {@code Truck} and a {@code ParkingSpot} pointing at the root type. Each strategy's test declares its own entities
 * (they differ by their annotations: strategy, tables, discriminator) implementing the views below, and checks the
 * rows in its own tables.
 */
abstract class InheritanceMappingTestBase extends MappingTestBase {

	/** What the shared body reads and changes of a strategy's root entity. */
	interface VehicleData {
		String plate();

		void plate(String plate);
	}

	interface CarData extends VehicleData {
		Integer seats();

		void seats(Integer seats);
	}

	interface TruckData extends VehicleData {
		Integer payload();
	}

	interface ParkingSpotData {
		VehicleData vehicle();
	}

	protected abstract Class<? extends VehicleData> vehicleType();

	protected abstract Class<? extends CarData> carType();

	protected abstract Class<? extends TruckData> truckType();

	protected abstract Class<? extends ParkingSpotData> parkingSpotType();

	protected abstract CarData car(long id, String plate, int seats);

	protected abstract TruckData truck(long id, String plate, int payload);

	protected abstract ParkingSpotData parkingSpot(long id, VehicleData vehicle);

	/** Every table of the strategy's entities: none is read while their writes are pending. */
	protected abstract String[] tables();

	/** The rows after the first flush: car 1 (CAR-1, 5 seats), truck 2 (TRUCK-2, payload 12000), spot 7 at truck 2. */
	protected abstract void assertInsertedRows();

	/** The rows after car 1 became CAR-1b with 7 seats (version 1). */
	protected abstract void assertUpdatedCar();

	/** Every table of the strategy's entities is empty. */
	protected abstract void assertNoRowsLeft();

	@Test
	void subclassesPersistedFoundUpdatedAndRemoved() {
		inTransaction( em -> {
			em.persist( car( 1L, "CAR-1", 5 ) );
			em.persist( truck( 2L, "TRUCK-2", 12_000 ) );
			em.persist( parkingSpot( 7L, em.getReference( vehicleType(), 2L ) ) );
		} );
		sql().clear();
		inTransaction( em -> {
			VehicleData one = em.find( vehicleType(), 1L );
			assertInstanceOf( carType(), one );
			assertEquals( 5, ( (CarData) one ).seats() );
			assertEquals( "CAR-1", one.plate() );
		} );
		inTransaction( em -> {
			assertEquals( 5, em.find( carType(), 1L ).seats() );
			assertNull( em.find( truckType(), 1L ), "a Car is not found as a Truck" );
			assertNull( em.find( carType(), 2L ), "a Truck is not found as a Car" );
			assertEquals( 12_000, em.find( truckType(), 2L ).payload() );
		} );
		inTransaction( em -> {
			VehicleData proxy = em.find( parkingSpotType(), 7L ).vehicle();
			assertFalse( Hibernate.isInitialized( proxy ) );
			VehicleData parked = (VehicleData) Hibernate.unproxy( proxy );
			assertInstanceOf( truckType(), parked );
			assertEquals( "TRUCK-2", parked.plate() );
		} );
		assertNoSqlOn( tables() );

		flushWithoutSelect();
		assertInsertedRows();
		assertEquals( 2L, longValue( row( "select vehicle_id from wbm_parking_spot where id = 7" ), "vehicle_id" ) );

		inTransaction( em -> {
			CarData c = (CarData) em.find( vehicleType(), 1L );
			c.seats( 7 );
			c.plate( "CAR-1b" );
		} );
		flushWithoutSelect();
		assertUpdatedCar();

		inTransaction( em -> em.remove( em.find( vehicleType(), 1L ) ) );
		inTransaction( em -> {
			em.remove( em.find( parkingSpotType(), 7L ) );
			em.remove( em.find( truckType(), 2L ) );
		} );
		assertNull( fromTransaction( em -> em.find( vehicleType(), 1L ) ) );
		assertNull( fromTransaction( em -> em.find( carType(), 1L ) ) );
		flushWithoutSelect();
		assertNoRowsLeft();
		assertEquals( 0, count( "select count(*) from wbm_parking_spot" ) );
	}
}
