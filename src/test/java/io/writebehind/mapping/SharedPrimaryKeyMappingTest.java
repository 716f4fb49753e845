package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.hibernate.Hibernate;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.MapsId;
import jakarta.persistence.OneToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * A one-to-one that shares its primary key with its parent ({@code @MapsId}), and a {@code @ManyToOne} whose target is
 * a subclass of an opted-in hierarchy.
 */
class SharedPrimaryKeyMappingTest extends MappingTestBase {

	@Entity(name = "WbmAccount")
	@Table(name = "wbm_account")
	@WriteBehindEntity
	static class Account {
		@Id
		Long id;
		@Version
		int version;
		String login;

		String getLogin() {
			return login;
		}
	}

	@Entity(name = "WbmProfile")
	@Table(name = "wbm_profile")
	@WriteBehindEntity
	static class Profile {
		@Id
		Long id;
		@Version
		int version;
		@MapsId
		@OneToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "account_id")
		Account account;
		String bio;
	}

	/** A subclass of the SINGLE_TABLE test's hierarchy, referenced by its own type. */
	@Entity(name = "WbmCarOwner")
	@Table(name = "wbm_car_owner")
	@WriteBehindEntity
	static class CarOwner {
		@Id
		Long id;
		@ManyToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "car_id")
		SingleTableInheritanceMappingTest.Car car;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Account.class, Profile.class, CarOwner.class, SingleTableInheritanceMappingTest.Vehicle.class,
				SingleTableInheritanceMappingTest.Car.class, SingleTableInheritanceMappingTest.Truck.class };
	}

	@Test
	void sharedPrimaryKey() {
		inTransaction( em -> {
			Account account = new Account();
			account.id = 5L;
			account.login = "ann";
			em.persist( account );
			Profile profile = new Profile();
			profile.account = account;
			profile.bio = "hello";
			em.persist( profile );
			assertEquals( 5L, profile.id, "the id is the parent's, known at persist" );
		} );
		sql().clear();
		inTransaction( em -> {
			Profile profile = em.find( Profile.class, 5L );
			assertEquals( "hello", profile.bio );
			assertEquals( "ann", profile.account.getLogin() );
		} );
		assertNoSqlOn( "wbm_account", "wbm_profile" );
		flushWithoutSelect();
		Map<String, Object> row = row( "select * from wbm_profile" );
		assertEquals( 5L, longValue( row, "account_id" ) );
		assertEquals( "hello", string( row, "bio" ) );
		inTransaction( em -> em.find( Profile.class, 5L ).bio = "bye" );
		flushWithoutSelect();
		assertEquals( "bye", string( row( "select bio from wbm_profile where account_id = 5" ), "bio" ) );
		inTransaction( em -> {
			em.remove( em.find( Profile.class, 5L ) );
			em.remove( em.find( Account.class, 5L ) );
		} );
		flushWithoutSelect();
		assertEquals( 0, count( "select count(*) from wbm_profile" ) );
		assertEquals( 0, count( "select count(*) from wbm_account" ) );
	}

	@Test
	void manyToOneToASubclass() {
		inTransaction( em -> {
			SingleTableInheritanceMappingTest.Car car = new SingleTableInheritanceMappingTest.Car();
			car.id = 1L;
			car.plate = "CAR-1";
			car.seats = 4;
			em.persist( car );
			CarOwner owner = new CarOwner();
			owner.id = 9L;
			owner.car = car;
			em.persist( owner );
		} );
		sql().clear();
		inTransaction( em -> {
			CarOwner owner = em.find( CarOwner.class, 9L );
			SingleTableInheritanceMappingTest.Car car = (SingleTableInheritanceMappingTest.Car) Hibernate.unproxy( owner.car );
			assertEquals( 4, car.seats );
		} );
		assertNoSqlOn( "wbm_vehicle", "wbm_car_owner" );
		flushWithoutSelect();
		assertEquals( 1L, longValue( row( "select car_id from wbm_car_owner where id = 9" ), "car_id" ) );
	}
}
