package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

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

/** JOINED inheritance, opted in on the root: a root table and a table per subclass, joined by the id. The body is {@link InheritanceMappingTestBase}'s. */
class JoinedInheritanceMappingTest extends InheritanceMappingTestBase {

	@Entity(name = "WbmVehicle")
	@Table(name = "wbm_vehicle")
	@Inheritance(strategy = InheritanceType.JOINED)
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
	@Table(name = "wbm_car")
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
	@Table(name = "wbm_truck")
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
		return new String[] { "wbm_vehicle", "wbm_car", "wbm_truck", "wbm_parking_spot" };
	}

	@Override
	protected void assertInsertedRows() {
		assertEquals( "CAR-1", string( row( "select * from wbm_vehicle where id = 1" ), "plate" ) );
		assertEquals( 5L, longValue( row( "select * from wbm_car where id = 1" ), "seats" ) );
		assertNull( row( "select * from wbm_truck where id = 1" ) );
		assertEquals( "TRUCK-2", string( row( "select * from wbm_vehicle where id = 2" ), "plate" ) );
		assertEquals( 12_000L, longValue( row( "select * from wbm_truck where id = 2" ), "payload" ) );
		assertNull( row( "select * from wbm_car where id = 2" ) );
	}

	@Override
	protected void assertUpdatedCar() {
		Map<String, Object> root = row( "select * from wbm_vehicle where id = 1" );
		assertEquals( "CAR-1b", string( root, "plate" ) );
		assertEquals( 1L, longValue( root, "version" ) );
		assertEquals( 7L, longValue( row( "select * from wbm_car where id = 1" ), "seats" ) );
	}

	@Override
	protected void assertNoRowsLeft() {
		assertEquals( 0, count( "select count(*) from wbm_vehicle" ) );
		assertEquals( 0, count( "select count(*) from wbm_car" ) );
		assertEquals( 0, count( "select count(*) from wbm_truck" ) );
	}
}
