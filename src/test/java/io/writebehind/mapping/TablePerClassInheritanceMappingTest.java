package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.Inheritance;
import jakarta.persistence.InheritanceType;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** TABLE_PER_CLASS inheritance, opted in on the (abstract) root: one complete table per concrete subclass. */
class TablePerClassInheritanceMappingTest extends MappingTestBase {

	@Entity(name = "WbmVehicle")
	@Inheritance(strategy = InheritanceType.TABLE_PER_CLASS)
	@WriteBehindEntity
	abstract static class Vehicle {
		@Id
		Long id;
		@Version
		int version;
		String plate;
	}

	@Entity(name = "WbmCar")
	@Table(name = "wbm_car")
	static class Car extends Vehicle {
		Integer seats;
	}

	@Entity(name = "WbmTruck")
	@Table(name = "wbm_truck")
	static class Truck extends Vehicle {
		Integer payload;
	}

	/** Points at the root type; holds a Car or a Truck. */
	@Entity(name = "WbmParkingSpot")
	@Table(name = "wbm_parking_spot")
	@WriteBehindEntity
	static class ParkingSpot {
		@Id
		Long id;
		@ManyToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "vehicle_id")
		Vehicle vehicle;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Vehicle.class, Car.class, Truck.class, ParkingSpot.class };
	}

	private static Car car(long id, String plate, int seats) {
		Car car = new Car();
		car.id = id;
		car.plate = plate;
		car.seats = seats;
		return car;
	}

	private static Truck truck(long id, String plate, int payload) {
		Truck truck = new Truck();
		truck.id = id;
		truck.plate = plate;
		truck.payload = payload;
		return truck;
	}

	@Test
	void subclassesPersistedFoundUpdatedAndRemoved() {
		inTransaction( em -> {
			em.persist( car( 1L, "CAR-1", 5 ) );
			em.persist( truck( 2L, "TRUCK-2", 12_000 ) );
			ParkingSpot spot = new ParkingSpot();
			spot.id = 7L;
			spot.vehicle = em.getReference( Vehicle.class, 2L );
			em.persist( spot );
		} );
		sql().clear();
		inTransaction( em -> {
			Vehicle one = em.find( Vehicle.class, 1L );
			assertInstanceOf( Car.class, one );
			assertEquals( 5, ( (Car) one ).seats );
			assertEquals( "CAR-1", one.plate );
		} );
		inTransaction( em -> {
			assertEquals( 5, em.find( Car.class, 1L ).seats );
			assertNull( em.find( Truck.class, 1L ), "a Car is not found as a Truck" );
			assertNull( em.find( Car.class, 2L ), "a Truck is not found as a Car" );
			assertEquals( 12_000, em.find( Truck.class, 2L ).payload );
		} );
		inTransaction( em -> {
			Vehicle proxy = em.find( ParkingSpot.class, 7L ).vehicle;
			assertFalse( org.hibernate.Hibernate.isInitialized( proxy ) );
			Vehicle parked = (Vehicle) org.hibernate.Hibernate.unproxy( proxy );
			assertInstanceOf( Truck.class, parked );
			assertEquals( "TRUCK-2", parked.plate );
		} );
		assertNoSqlOn( "wbm_car", "wbm_truck", "wbm_parking_spot" );

		flushWithoutSelect();
		Map<String, Object> car = row( "select * from wbm_car where id = 1" );
		assertEquals( "CAR-1", string( car, "plate" ) );
		assertEquals( 5L, longValue( car, "seats" ) );
		assertEquals( 0L, longValue( car, "version" ) );
		assertNull( row( "select * from wbm_truck where id = 1" ) );
		Map<String, Object> truck = row( "select * from wbm_truck where id = 2" );
		assertEquals( "TRUCK-2", string( truck, "plate" ) );
		assertEquals( 12_000L, longValue( truck, "payload" ) );
		assertNull( row( "select * from wbm_car where id = 2" ) );
		assertEquals( 2L, longValue( row( "select vehicle_id from wbm_parking_spot where id = 7" ), "vehicle_id" ) );

		inTransaction( em -> {
			Car c = (Car) em.find( Vehicle.class, 1L );
			c.seats = 7;
			c.plate = "CAR-1b";
		} );
		flushWithoutSelect();
		car = row( "select * from wbm_car where id = 1" );
		assertEquals( "CAR-1b", string( car, "plate" ) );
		assertEquals( 1L, longValue( car, "version" ) );
		assertEquals( 7L, longValue( car, "seats" ) );

		inTransaction( em -> em.remove( em.find( Vehicle.class, 1L ) ) );
		inTransaction( em -> {
			em.remove( em.find( ParkingSpot.class, 7L ) );
			em.remove( em.find( Truck.class, 2L ) );
		} );
		assertNull( fromTransaction( em -> em.find( Vehicle.class, 1L ) ) );
		assertNull( fromTransaction( em -> em.find( Car.class, 1L ) ) );
		flushWithoutSelect();
		assertEquals( 0, count( "select count(*) from wbm_car" ) );
		assertEquals( 0, count( "select count(*) from wbm_truck" ) );
		assertEquals( 0, count( "select count(*) from wbm_parking_spot" ) );
	}
}
