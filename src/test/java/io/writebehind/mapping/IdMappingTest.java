package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.FetchType;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Ids known at persist: assigned (Long, String), generated UUID, SEQUENCE with a pooled allocation, and composite ids
 * ({@code @EmbeddedId}, {@code @IdClass}). Each is persisted, found from the cache, flushed, updated and removed.
 */
class IdMappingTest extends MappingTestBase {

	@Entity(name = "WbmCountry")
	@Table(name = "wbm_country")
	@WriteBehindEntity
	static class Country {
		@Id
		@Column(length = 2)
		String code;
		@Version
		int version;
		String name;
	}

	@Entity(name = "WbmToken")
	@Table(name = "wbm_token")
	@WriteBehindEntity
	static class Token {
		@Id
		@GeneratedValue(strategy = GenerationType.UUID)
		UUID id;
		@Version
		int version;
		String label;
	}

	@Entity(name = "WbmTicket")
	@Table(name = "wbm_ticket")
	@WriteBehindEntity
	static class Ticket {
		@Id
		@GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "wbm_ticket_generator")
		@SequenceGenerator(name = "wbm_ticket_generator", sequenceName = "wbm_ticket_sequence", allocationSize = 50)
		Long id;
		@Version
		int version;
		String label;
	}

	@Embeddable
	static class LineId implements Serializable {
		long orderNo;
		int line;

		LineId() {
		}

		LineId(long orderNo, int line) {
			this.orderNo = orderNo;
			this.line = line;
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof LineId other && other.orderNo == orderNo && other.line == line;
		}

		@Override
		public int hashCode() {
			return Objects.hash( orderNo, line );
		}
	}

	@Entity(name = "WbmOrderLine")
	@Table(name = "wbm_order_line")
	@WriteBehindEntity
	static class OrderLine {
		@EmbeddedId
		LineId id;
		@Version
		int version;
		int quantity;
	}

	static class ShipmentKey implements Serializable {
		String carrier;
		long number;

		ShipmentKey() {
		}

		ShipmentKey(String carrier, long number) {
			this.carrier = carrier;
			this.number = number;
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof ShipmentKey other && other.carrier.equals( carrier ) && other.number == number;
		}

		@Override
		public int hashCode() {
			return Objects.hash( carrier, number );
		}
	}

	@Entity(name = "WbmShipment")
	@Table(name = "wbm_shipment")
	@IdClass(ShipmentKey.class)
	@WriteBehindEntity
	static class Shipment {
		@Id
		String carrier;
		@Id
		long number;
		@Version
		int version;
		String destination;
	}

	/** To-one associations to entities with composite ids: foreign keys of two columns. */
	@Entity(name = "WbmTrackingEvent")
	@Table(name = "wbm_tracking_event")
	@WriteBehindEntity
	static class TrackingEvent {
		@Id
		Long id;
		@ManyToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "shipment_carrier", referencedColumnName = "carrier")
		@JoinColumn(name = "shipment_number", referencedColumnName = "number")
		Shipment shipment;
		@ManyToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "line_order_no", referencedColumnName = "orderNo")
		@JoinColumn(name = "line_no", referencedColumnName = "line")
		OrderLine line;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Country.class, Token.class, Ticket.class, OrderLine.class, Shipment.class,
				TrackingEvent.class };
	}

	@Test
	void assignedStringId() {
		inTransaction( em -> {
			Country country = new Country();
			country.code = "NZ";
			country.name = "New Zealand";
			em.persist( country );
		} );
		assertEquals( "New Zealand", fromTransaction( em -> em.find( Country.class, "NZ" ).name ) );
		assertNoSqlOn( "wbm_country" );
		flushWithoutSelect();
		assertEquals( "New Zealand", string( row( "select name from wbm_country where code = 'NZ'" ), "name" ) );
		inTransaction( em -> em.find( Country.class, "NZ" ).name = "Aotearoa" );
		flushWithoutSelect();
		Map<String, Object> row = row( "select * from wbm_country where code = 'NZ'" );
		assertEquals( "Aotearoa", string( row, "name" ) );
		assertEquals( 1L, longValue( row, "version" ) );
		inTransaction( em -> em.remove( em.find( Country.class, "NZ" ) ) );
		flushWithoutSelect();
		assertEquals( 0, count( "select count(*) from wbm_country" ) );
	}

	@Test
	void generatedUuidId() {
		UUID id = fromTransaction( em -> {
			Token token = new Token();
			token.label = "first";
			em.persist( token );
			assertNotNull( token.id, "the UUID is generated at persist" );
			return token.id;
		} );
		assertEquals( "first", fromTransaction( em -> em.find( Token.class, id ).label ) );
		assertNoSqlOn( "wbm_token" );
		flushWithoutSelect();
		List<Map<String, Object>> rows = rows( "select * from wbm_token" );
		assertEquals( 1, rows.size() );
		assertEquals( id.toString(), string( rows.get( 0 ), "id" ).toLowerCase() );
		assertEquals( "first", string( rows.get( 0 ), "label" ) );
		inTransaction( em -> em.find( Token.class, id ).label = "second" );
		flushWithoutSelect();
		assertEquals( "second", string( rows( "select label from wbm_token" ).get( 0 ), "label" ) );
		inTransaction( em -> em.remove( em.find( Token.class, id ) ) );
		flushWithoutSelect();
		assertEquals( 0, count( "select count(*) from wbm_token" ) );
	}

	@Test
	void sequenceIdsWithPooledAllocation() {
		List<Long> ids = fromTransaction( em -> {
			List<Long> result = new ArrayList<>();
			for ( int i = 0; i < 120; i++ ) {
				Ticket ticket = new Ticket();
				ticket.label = "ticket-" + i;
				em.persist( ticket );
				assertNotNull( ticket.id, "the SEQUENCE id is known at persist" );
				result.add( ticket.id );
			}
			return result;
		} );
		assertEquals( 120, new HashSet<>( ids ).size() );
		assertTrue( sql().executions( e -> e.touches( "wbm_ticket_sequence" ) ) <= 4,
				"a pooled sequence is read once per 50 ids:\n" + sql() );
		assertEquals( 0, sql().touching( "wbm_ticket" ) );
		assertEquals( "ticket-77", fromTransaction( em -> em.find( Ticket.class, ids.get( 77 ) ).label ) );
		assertNoSqlOn( "wbm_ticket" );
		flushWithoutSelect();
		assertEquals( 120, sql().rows( "insert", "wbm_ticket" ) );
		List<Map<String, Object>> rows = rows( "select id, label, version from wbm_ticket order by id" );
		assertEquals( 120, rows.size() );
		Set<Long> seen = new HashSet<>();
		for ( Map<String, Object> row : rows ) {
			long id = longValue( row, "id" );
			seen.add( id );
			assertEquals( "ticket-" + ids.indexOf( id ), string( row, "label" ) );
			assertEquals( 0L, longValue( row, "version" ) );
		}
		assertEquals( new HashSet<>( ids ), seen );
		inTransaction( em -> em.find( Ticket.class, ids.get( 0 ) ).label = "changed" );
		inTransaction( em -> em.remove( em.find( Ticket.class, ids.get( 1 ) ) ) );
		flushWithoutSelect();
		assertEquals( "changed", string( row( "select label from wbm_ticket where id = ?", ids.get( 0 ) ), "label" ) );
		assertEquals( 119, count( "select count(*) from wbm_ticket" ) );
	}

	@Test
	void embeddedId() {
		inTransaction( em -> {
			for ( int line = 1; line <= 2; line++ ) {
				OrderLine orderLine = new OrderLine();
				orderLine.id = new LineId( 500L, line );
				orderLine.quantity = line * 10;
				em.persist( orderLine );
			}
		} );
		assertEquals( 20, (int) fromTransaction( em -> em.find( OrderLine.class, new LineId( 500L, 2 ) ).quantity ) );
		assertNoSqlOn( "wbm_order_line" );
		assertNull( fromTransaction( em -> em.find( OrderLine.class, new LineId( 501L, 2 ) ) ), "unknown id: the database says" );
		flushWithoutSelect();
		assertEquals( 10L, longValue( row( "select quantity from wbm_order_line where orderno = 500 and line = 1" ), "quantity" ) );
		assertEquals( 20L, longValue( row( "select quantity from wbm_order_line where orderno = 500 and line = 2" ), "quantity" ) );
		inTransaction( em -> em.find( OrderLine.class, new LineId( 500L, 1 ) ).quantity = 11 );
		inTransaction( em -> em.remove( em.find( OrderLine.class, new LineId( 500L, 2 ) ) ) );
		assertEquals( 11, (int) fromTransaction( em -> em.find( OrderLine.class, new LineId( 500L, 1 ) ).quantity ) );
		flushWithoutSelect();
		Map<String, Object> row = row( "select * from wbm_order_line where orderno = 500 and line = 1" );
		assertEquals( 11L, longValue( row, "quantity" ) );
		assertEquals( 1L, longValue( row, "version" ) );
		assertEquals( 1, count( "select count(*) from wbm_order_line" ) );
	}

	/**
	 * Many rows of composite-id entities in one flush: inserts, versioned updates and deletes in chunks (on PostgreSQL
	 * multi-row inserts and updates and deletes joined with a values list, whose key is two columns), a row changed
	 * behind write-behind's back failing alone.
	 */
	@Test
	void compositeIdsManyRowsPerFlushAStaleRowFailsAlone() {
		inTransaction( em -> {
			for ( int line = 1; line <= 150; line++ ) {
				OrderLine orderLine = new OrderLine();
				orderLine.id = new LineId( 700L + line % 3, line );
				orderLine.quantity = line;
				em.persist( orderLine );
				Shipment shipment = new Shipment();
				shipment.carrier = line % 2 == 0 ? "DHL" : "UPS";
				shipment.number = line;
				shipment.destination = "d" + line;
				em.persist( shipment );
			}
		} );
		flushWithoutSelect();
		assertEquals( 150, count( "select count(*) from wbm_order_line where quantity = line and orderno = 700 + mod( line, 3 )" ) );
		assertEquals( 150, count( "select count(*) from wbm_shipment where destination = concat( 'd', number )" ) );

		update( "update wbm_order_line set version = version + 1 where orderno = 701 and line = 31" );
		update( "update wbm_shipment set version = version + 1 where carrier = 'DHL' and number = 40" );
		sql().clear();
		inTransaction( em -> {
			for ( int line = 1; line <= 150; line++ ) {
				em.find( OrderLine.class, new LineId( 700L + line % 3, line ) ).quantity += 1000;
				em.find( Shipment.class, new ShipmentKey( line % 2 == 0 ? "DHL" : "UPS", line ) ).destination = "e" + line;
			}
		} );
		writeBehind().flush();
		if ( database == io.writebehind.testing.TestDatabase.POSTGRESQL ) {
			// hibernate.jdbc.batch_size=100: 100 and 50 rows per statement, each table
			assertTrue( sql().executions( e -> e.is( "update" ) && e.touches( "wbm_order_line" )
					&& e.sql().contains( " (values (" ) ) >= 2, sql()::toString );
		}
		List<Object> failed = writeBehind().failedWrites().stream().map( f -> f.id() ).toList();
		assertEquals( 2, failed.size(), failed::toString );
		assertTrue( failed.contains( new LineId( 701L, 31 ) ), failed::toString );
		assertTrue( failed.contains( new ShipmentKey( "DHL", 40L ) ), failed::toString );
		assertEquals( 149, count( "select count(*) from wbm_order_line where quantity = line + 1000 and version = 1" ) );
		assertEquals( 31, count( "select quantity from wbm_order_line where orderno = 701 and line = 31" ) );
		assertEquals( 149, count( "select count(*) from wbm_shipment where destination = concat( 'e', number ) and version = 1" ) );
		assertEquals( "d40", string( row( "select destination from wbm_shipment where carrier = 'DHL' and number = 40" ),
				"destination" ) );

		inTransaction( em -> {
			for ( int line = 1; line <= 120; line++ ) {
				if ( line != 31 && line != 40 ) {
					em.remove( em.find( OrderLine.class, new LineId( 700L + line % 3, line ) ) );
					em.remove( em.find( Shipment.class, new ShipmentKey( line % 2 == 0 ? "DHL" : "UPS", line ) ) );
				}
			}
		} );
		writeBehind().flush();
		assertEquals( 2, writeBehind().failedWrites().size(), () -> writeBehind().failedWrites().toString() );
		assertEquals( 32, count( "select count(*) from wbm_order_line" ) );
		assertEquals( 32, count( "select count(*) from wbm_shipment" ) );
		assertEquals( 1, count( "select count(*) from wbm_order_line where orderno = 701 and line = 31" ) );
		assertEquals( 1, count( "select count(*) from wbm_shipment where carrier = 'DHL' and number = 40" ) );
	}

	@Test
	void idClass() {
		inTransaction( em -> {
			Shipment shipment = new Shipment();
			shipment.carrier = "DHL";
			shipment.number = 42L;
			shipment.destination = "Oslo";
			em.persist( shipment );
		} );
		assertEquals( "Oslo", fromTransaction( em -> em.find( Shipment.class, new ShipmentKey( "DHL", 42L ) ).destination ) );
		assertNoSqlOn( "wbm_shipment" );
		flushWithoutSelect();
		assertEquals( "Oslo", string( row( "select destination from wbm_shipment where carrier = 'DHL' and number = 42" ),
				"destination" ) );
		inTransaction( em -> em.find( Shipment.class, new ShipmentKey( "DHL", 42L ) ).destination = "Bergen" );
		flushWithoutSelect();
		Map<String, Object> row = row( "select * from wbm_shipment where carrier = 'DHL' and number = 42" );
		assertEquals( "Bergen", string( row, "destination" ) );
		assertEquals( 1L, longValue( row, "version" ) );
		inTransaction( em -> em.remove( em.find( Shipment.class, new ShipmentKey( "DHL", 42L ) ) ) );
		flushWithoutSelect();
		assertEquals( 0, count( "select count(*) from wbm_shipment" ) );
	}

	@Test
	void toOneAssociationsToCompositeIds() {
		inTransaction( em -> {
			Shipment shipment = new Shipment();
			shipment.carrier = "UPS";
			shipment.number = 7L;
			shipment.destination = "Rome";
			em.persist( shipment );
			OrderLine line = new OrderLine();
			line.id = new LineId( 900L, 3 );
			line.quantity = 5;
			em.persist( line );
			TrackingEvent event = new TrackingEvent();
			event.id = 1L;
			event.shipment = shipment;
			event.line = line;
			em.persist( event );
		} );
		sql().clear();
		inTransaction( em -> {
			TrackingEvent event = em.find( TrackingEvent.class, 1L );
			assertEquals( new ShipmentKey( "UPS", 7L ), emf.getPersistenceUnitUtil().getIdentifier( event.shipment ) );
			assertEquals( "Rome", ( (Shipment) org.hibernate.Hibernate.unproxy( event.shipment ) ).destination );
			assertEquals( 5, ( (OrderLine) org.hibernate.Hibernate.unproxy( event.line ) ).quantity );
		} );
		assertNoSqlOn( "wbm_tracking_event", "wbm_shipment", "wbm_order_line" );
		flushWithoutSelect();
		Map<String, Object> row = row( "select * from wbm_tracking_event where id = 1" );
		assertEquals( "UPS", string( row, "shipment_carrier" ) );
		assertEquals( 7L, longValue( row, "shipment_number" ) );
		assertEquals( 900L, longValue( row, "line_order_no" ) );
		assertEquals( 3L, longValue( row, "line_no" ) );
		inTransaction( em -> {
			em.remove( em.find( TrackingEvent.class, 1L ) );
			em.remove( em.find( Shipment.class, new ShipmentKey( "UPS", 7L ) ) );
			em.remove( em.find( OrderLine.class, new LineId( 900L, 3 ) ) );
		} );
		flushWithoutSelect();
		assertEquals( 0, count( "select count(*) from wbm_tracking_event" ) );
		assertEquals( 0, count( "select count(*) from wbm_shipment" ) );
	}
}
