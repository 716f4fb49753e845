package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.DiscriminatorValue;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.Inheritance;
import jakarta.persistence.InheritanceType;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** SINGLE_TABLE inheritance, opted in on the root: subclasses share one table with a discriminator column. The body is {@link InheritanceMappingTestBase}'s. */
class SingleTableInheritanceMappingTest extends InheritanceMappingTestBase {

	@Entity(name = "WbmVehicle")
	@Table(name = "wbm_vehicle")
	@Inheritance(strategy = InheritanceType.SINGLE_TABLE)
	@WriteBehindEntity
	abstract static class Vehicle implements VehicleData {
		@Id
		Long id;
		@Version
		int version;
		String plate;

		@Override
		public String plate() {
			return plate;
		}

		@Override
		public void plate(String plate) {
			this.plate = plate;
		}
	}

	@Entity(name = "WbmCar")
	@DiscriminatorValue("CAR")
	static class Car extends Vehicle implements CarData {
		Integer seats;

		@Override
		public Integer seats() {
			return seats;
		}

		@Override
		public void seats(Integer seats) {
			this.seats = seats;
		}
	}

	@Entity(name = "WbmTruck")
	@DiscriminatorValue("TRUCK")
	static class Truck extends Vehicle implements TruckData {
		Integer payload;

		@Override
		public Integer payload() {
			return payload;
		}
	}

	/** Points at the root type; holds a Car or a Truck. */
	@Entity(name = "WbmParkingSpot")
	@Table(name = "wbm_parking_spot")
	@WriteBehindEntity
	static class ParkingSpot implements ParkingSpotData {
		@Id
		Long id;
		@ManyToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "vehicle_id")
		Vehicle vehicle;

		@Override
		public VehicleData vehicle() {
			return vehicle;
		}
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Vehicle.class, Car.class, Truck.class, ParkingSpot.class };
	}

	@Override
	protected Class<Vehicle> vehicleType() {
		return Vehicle.class;
	}

	@Override
	protected Class<Car> carType() {
		return Car.class;
	}

	@Override
	protected Class<Truck> truckType() {
		return Truck.class;
	}

	@Override
	protected Class<ParkingSpot> parkingSpotType() {
		return ParkingSpot.class;
	}

	@Override
	protected Car car(long id, String plate, int seats) {
		Car car = new Car();
		car.id = id;
		car.plate = plate;
		car.seats = seats;
		return car;
	}

	@Override
	protected Truck truck(long id, String plate, int payload) {
		Truck truck = new Truck();
		truck.id = id;
		truck.plate = plate;
		truck.payload = payload;
		return truck;
	}

	@Override
	protected ParkingSpot parkingSpot(long id, VehicleData vehicle) {
		ParkingSpot spot = new ParkingSpot();
		spot.id = id;
		spot.vehicle = (Vehicle) vehicle;
		return spot;
	}

	@Override
	protected String[] tables() {
		return new String[] { "wbm_vehicle", "wbm_parking_spot" };
	}

	@Override
	protected void assertInsertedRows() {
		Map<String, Object> car = row( "select * from wbm_vehicle where id = 1" );
		assertEquals( "CAR", string( car, "dtype" ) );
		assertEquals( "CAR-1", string( car, "plate" ) );
		assertEquals( 5L, longValue( car, "seats" ) );
		assertNull( car.get( "payload" ) );
		Map<String, Object> truck = row( "select * from wbm_vehicle where id = 2" );
		assertEquals( "TRUCK", string( truck, "dtype" ) );
		assertEquals( 12_000L, longValue( truck, "payload" ) );
		assertNull( truck.get( "seats" ) );
	}

	@Override
	protected void assertUpdatedCar() {
		Map<String, Object> car = row( "select * from wbm_vehicle where id = 1" );
		assertEquals( "CAR", string( car, "dtype" ) );
		assertEquals( "CAR-1b", string( car, "plate" ) );
		assertEquals( 7L, longValue( car, "seats" ) );
		assertEquals( 1L, longValue( car, "version" ) );
	}

	@Override
	protected void assertNoRowsLeft() {
		assertEquals( 0, count( "select count(*) from wbm_vehicle" ) );
	}
}
