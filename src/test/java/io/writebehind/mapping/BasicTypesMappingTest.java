package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import io.writebehind.testing.CountingConnectionProvider;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.AttributeOverride;
import jakarta.persistence.Convert;
import jakarta.persistence.Converter;
import jakarta.persistence.Lob;
import jakarta.persistence.AttributeOverrides;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Basic attributes of many types and embeddables: persisted, found from the cache with no SQL, flushed, and compared
 * column by column with what plain JDBC reads; then updated and flushed again.
 */
class BasicTypesMappingTest extends MappingTestBase {

	enum Color {
		RED, GREEN, BLUE
	}

	@Embeddable
	static class Point {
		double x;
		double y;

		Point() {
		}

		Point(double x, double y) {
			this.x = x;
			this.y = y;
		}
	}

	@Embeddable
	static class Address {
		String street;
		String city;
		@Column(name = "zip_code")
		Integer zip;
		@Embedded
		Point location;

		Address() {
		}

		Address(String street, String city, Integer zip, Point location) {
			this.street = street;
			this.city = city;
			this.zip = zip;
			this.location = location;
		}
	}

	@Entity(name = "WbmBasic")
	@Table(name = "wbm_basic")
	@WriteBehindEntity
	static class Basic {
		@Id
		Long id;
		@Version
		int version;
		@Column(name = "txt")
		String text;
		int small;
		long big;
		Integer boxed;
		@Column(precision = 19, scale = 4)
		BigDecimal amount;
		@Column(name = "active_flag")
		boolean active;
		@Column(name = "day_col")
		LocalDate day;
		@Column(name = "local_time")
		LocalDateTime localTime;
		@Column(name = "instant_col")
		Instant instant;
		@Enumerated(EnumType.ORDINAL)
		Color ordinalColor;
		@Enumerated(EnumType.STRING)
		Color stringColor;
		@Column(name = "bytes_col")
		byte[] data;
		@Column(name = "uuid_col")
		UUID uuid;
		@Embedded
		Address home;
		@Embedded
		@AttributeOverrides({
				@AttributeOverride(name = "street", column = @Column(name = "work_street")),
				@AttributeOverride(name = "city", column = @Column(name = "work_city")),
				@AttributeOverride(name = "zip", column = @Column(name = "work_zip")),
				@AttributeOverride(name = "location.x", column = @Column(name = "work_x")),
				@AttributeOverride(name = "location.y", column = @Column(name = "work_y")) })
		Address work;

		Basic() {
		}

		Basic(Long id) {
			this.id = id;
		}
	}

	/** A value class stored through an AttributeConverter (Serializable, as a cached value must be). */
	record Temperature(double celsius) implements java.io.Serializable {
	}

	@Converter
	static class TemperatureConverter implements AttributeConverter<Temperature, Double> {
		@Override
		public Double convertToDatabaseColumn(Temperature attribute) {
			return attribute == null ? null : attribute.celsius() * 9 / 5 + 32;
		}

		@Override
		public Temperature convertToEntityAttribute(Double fahrenheit) {
			return fahrenheit == null ? null : new Temperature( ( fahrenheit - 32 ) * 5 / 9 );
		}
	}

	/** Large objects and converted values. */
	@Entity(name = "WbmNote")
	@Table(name = "wbm_note_lob")
	@WriteBehindEntity
	static class Note {
		@Id
		Long id;
		@Version
		int version;
		@Lob
		@Column(name = "body", length = 1_000_000)
		String body;
		@Lob
		@Column(name = "attachment", length = 1_000_000)
		byte[] attachment;
		@Convert(converter = TemperatureConverter.class)
		@Column(name = "fahrenheit")
		Temperature temperature;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Basic.class, Note.class };
	}

	private static Basic full(long id) {
		Basic b = new Basic( id );
		b.text = "héllo wörld";
		b.small = -7;
		b.big = 9_000_000_000L;
		b.boxed = 42;
		b.amount = new BigDecimal( "12345.6789" );
		b.active = true;
		b.day = LocalDate.of( 2024, 2, 29 );
		b.localTime = LocalDateTime.of( 2024, 3, 1, 13, 14, 15, 123_456_000 );
		b.instant = Instant.parse( "2024-05-06T07:08:09.654321Z" );
		b.ordinalColor = Color.BLUE;
		b.stringColor = Color.GREEN;
		b.data = new byte[] { 0, 1, 2, (byte) 0xff, 127 };
		b.uuid = UUID.fromString( "123e4567-e89b-12d3-a456-426614174000" );
		b.home = new Address( "1 Main St", "Springfield", 12345, new Point( 1.5, -2.25 ) );
		b.work = new Address( "2 Side Rd", "Shelbyville", null, null );
		return b;
	}

	/** Compares every column of the row with the entity's state. */
	private void assertRow(Basic expected) {
		Map<String, Object> row = row( "select * from wbm_basic where id = ?", expected.id );
		assertNotNull( row, "no row for " + expected.id );
		jdbc( c -> {
			try ( var ps = c.prepareStatement( "select * from wbm_basic where id = ?" ) ) {
				ps.setLong( 1, expected.id );
				try ( var rs = ps.executeQuery() ) {
					assertTrue( rs.next() );
					assertEquals( expected.version, rs.getInt( "version" ), "version" );
					assertEquals( expected.text, rs.getString( "txt" ), "text" );
					assertEquals( expected.small, rs.getInt( "small" ), "small" );
					assertEquals( expected.big, rs.getLong( "big" ), "big" );
					assertEquals( expected.boxed, (Integer) rs.getObject( "boxed", Integer.class ), "boxed" );
					if ( expected.amount == null ) {
						assertNull( rs.getBigDecimal( "amount" ) );
					}
					else {
						assertEquals( 0, expected.amount.compareTo( rs.getBigDecimal( "amount" ) ),
								"amount " + rs.getBigDecimal( "amount" ) );
					}
					assertEquals( expected.active, rs.getBoolean( "active_flag" ), "active" );
					assertEquals( expected.day, rs.getObject( "day_col", LocalDate.class ), "day" );
					assertEquals( expected.localTime, rs.getObject( "local_time", LocalDateTime.class ), "localTime" );
					assertEquals( expected.instant, instant( rs, "instant_col" ), "instant" );
					Object ordinal = rs.getObject( "ordinalcolor" );
					assertEquals( expected.ordinalColor == null ? null : (long) expected.ordinalColor.ordinal(),
							ordinal == null ? null : ( (Number) ordinal ).longValue(), "ordinalColor" );
					assertEquals( expected.stringColor == null ? null : expected.stringColor.name(),
							rs.getString( "stringcolor" ), "stringColor" );
					assertArrayEquals( expected.data, rs.getBytes( "bytes_col" ), "data" );
					assertEquals( expected.uuid == null ? null : expected.uuid.toString(),
							rs.getString( "uuid_col" ) == null ? null : rs.getString( "uuid_col" ).toLowerCase(), "uuid" );
					Address home = expected.home;
					assertEquals( home == null ? null : home.street, rs.getString( "street" ), "home.street" );
					assertEquals( home == null ? null : home.city, rs.getString( "city" ), "home.city" );
					assertEquals( home == null ? null : home.zip, rs.getObject( "zip_code", Integer.class ), "home.zip" );
					Point location = home == null ? null : home.location;
					assertEquals( location == null ? null : location.x, rs.getObject( "x", Double.class ), "home.location.x" );
					assertEquals( location == null ? null : location.y, rs.getObject( "y", Double.class ), "home.location.y" );
					Address work = expected.work;
					assertEquals( work == null ? null : work.street, rs.getString( "work_street" ), "work.street" );
					assertEquals( work == null ? null : work.city, rs.getString( "work_city" ), "work.city" );
					assertEquals( work == null ? null : work.zip, rs.getObject( "work_zip", Integer.class ), "work.zip" );
					Point workLocation = work == null ? null : work.location;
					assertEquals( workLocation == null ? null : workLocation.x, rs.getObject( "work_x", Double.class ), "work.x" );
					assertEquals( workLocation == null ? null : workLocation.y, rs.getObject( "work_y", Double.class ), "work.y" );
					assertFalse( rs.next() );
				}
			}
			return null;
		} );
	}

	/** timestamp with time zone (H2, PostgreSQL) or a UTC datetime (MariaDB), as Hibernate writes an Instant. */
	private static Instant instant(java.sql.ResultSet rs, String column) throws java.sql.SQLException {
		if ( rs.getObject( column ) == null ) {
			return null;
		}
		try {
			return rs.getObject( column, java.time.OffsetDateTime.class ).toInstant();
		}
		catch (java.sql.SQLException | RuntimeException e) {
			return rs.getTimestamp( column, java.util.Calendar.getInstance( java.util.TimeZone.getTimeZone( "UTC" ) ) )
					.toInstant();
		}
	}

	private static void assertSameState(Basic expected, Basic actual) {
		assertEquals( expected.id, actual.id );
		assertEquals( expected.version, actual.version, "version" );
		assertEquals( expected.text, actual.text );
		assertEquals( expected.small, actual.small );
		assertEquals( expected.big, actual.big );
		assertEquals( expected.boxed, actual.boxed );
		if ( expected.amount == null ) {
			assertNull( actual.amount );
		}
		else {
			assertEquals( 0, expected.amount.compareTo( actual.amount ), "amount " + actual.amount );
		}
		assertEquals( expected.active, actual.active );
		assertEquals( expected.day, actual.day );
		assertEquals( expected.localTime, actual.localTime );
		assertEquals( expected.instant, actual.instant );
		assertEquals( expected.ordinalColor, actual.ordinalColor );
		assertEquals( expected.stringColor, actual.stringColor );
		assertArrayEquals( expected.data, actual.data );
		assertEquals( expected.uuid, actual.uuid );
		assertSameAddress( expected.home, actual.home );
		assertSameAddress( expected.work, actual.work );
	}

	private static void assertSameAddress(Address expected, Address actual) {
		if ( expected == null ) {
			assertNull( actual, "a null embeddable reads back as null" );
			return;
		}
		assertNotNull( actual );
		assertEquals( expected.street, actual.street );
		assertEquals( expected.city, actual.city );
		assertEquals( expected.zip, actual.zip );
		if ( expected.location == null ) {
			assertNull( actual.location );
		}
		else {
			assertEquals( expected.location.x, actual.location.x );
			assertEquals( expected.location.y, actual.location.y );
		}
	}

	@Test
	void everyBasicTypeAndEmbeddableIsCachedFlushedAndUpdated() {
		Basic original = full( 1L );
		inTransaction( em -> em.persist( full( 1L ) ) );
		Basic cached = fromTransaction( em -> em.find( Basic.class, 1L ) );
		assertSameState( original, cached );
		assertNoSqlOn( "wbm_basic" );
		assertEquals( 0, count( "select count(*) from wbm_basic" ) );

		flushWithoutSelect();
		assertRow( original );

		// update every attribute, the embeddables too; the entity comes from the (now clean) cache
		sql().clear();
		inTransaction( em -> {
			Basic b = em.find( Basic.class, 1L );
			b.text = "changed";
			b.small = Integer.MAX_VALUE;
			b.big = Long.MIN_VALUE;
			b.boxed = null;
			b.amount = new BigDecimal( "-0.0001" );
			b.active = false;
			b.day = LocalDate.of( 1999, 12, 31 );
			b.localTime = LocalDateTime.of( 2000, 1, 1, 0, 0 );
			b.instant = Instant.parse( "1970-01-01T00:00:01Z" );
			b.ordinalColor = Color.RED;
			b.stringColor = null;
			b.data[0] = 99; // in-place change of a mutable value
			b.uuid = UUID.fromString( "00000000-0000-0000-0000-000000000001" );
			b.home.city = "Capital City";
			b.home.location = null;
			b.work = null;
		} );
		assertNoSqlOn( "wbm_basic" );
		Basic expected = fromTransaction( em -> em.find( Basic.class, 1L ) );
		assertEquals( 1, expected.version );
		assertEquals( "changed", expected.text );
		assertEquals( 99, expected.data[0] );
		assertNull( expected.work );
		assertNull( expected.home.location );
		assertEquals( "Capital City", expected.home.city );
		assertNoSqlOn( "wbm_basic" );
		assertRow( original ); // not flushed yet: the database still has the first state

		flushWithoutSelect();
		assertRow( expected );
		assertFactoryReadsBack( expected );
	}

	@Test
	void nullValuesAndNullEmbeddables() {
		Basic empty = new Basic( 2L );
		inTransaction( em -> em.persist( new Basic( 2L ) ) );
		Basic cached = fromTransaction( em -> em.find( Basic.class, 2L ) );
		assertSameState( empty, cached );
		assertNull( cached.home );
		assertNoSqlOn( "wbm_basic" );
		flushWithoutSelect();
		assertRow( empty );

		// null embeddable becomes a value, and back
		inTransaction( em -> em.find( Basic.class, 2L ).home = new Address( null, "Nowhere", null, new Point( 0, 0 ) ) );
		flushWithoutSelect();
		Basic withHome = fromTransaction( em -> em.find( Basic.class, 2L ) );
		assertEquals( "Nowhere", withHome.home.city );
		assertRow( withHome );
		inTransaction( em -> em.find( Basic.class, 2L ).home = null );
		flushWithoutSelect();
		Basic again = fromTransaction( em -> em.find( Basic.class, 2L ) );
		assertNull( again.home );
		assertEquals( 2, again.version );
		assertRow( again );
		assertFactoryReadsBack( again );
	}

	@Test
	void coalescedUpdatesOfPersistedEntityWriteTheLatestState() {
		inTransaction( em -> em.persist( full( 3L ) ) );
		inTransaction( em -> em.find( Basic.class, 3L ).text = "second" );
		inTransaction( em -> em.find( Basic.class, 3L ).home.street = "third" );
		Basic latest = fromTransaction( em -> em.find( Basic.class, 3L ) );
		assertEquals( "second", latest.text );
		assertEquals( "third", latest.home.street );
		assertNoSqlOn( "wbm_basic" );
		flushWithoutSelect();
		assertEquals( 1, sql().executions( "insert", "wbm_basic" ) );
		assertEquals( 0, sql().executions( "update", "wbm_basic" ) );
		assertRow( latest );
		inTransaction( em -> em.remove( em.find( Basic.class, 3L ) ) );
		assertNull( fromTransaction( em -> em.find( Basic.class, 3L ) ) );
		flushWithoutSelect();
		assertEquals( 0, count( "select count(*) from wbm_basic" ) );
	}

	/** A second factory on the same schema (an empty cache) reads the flushed row to the same state. */
	private void assertFactoryReadsBack(Basic expected) {
		CountingConnectionProvider provider = new CountingConnectionProvider( schema, true );
		EntityManagerFactory other = buildFactory( provider, Map.of( "hibernate.hbm2ddl.auto", "none" ) );
		try {
			Basic read = fromTransaction( other, em -> em.find( Basic.class, expected.id ) );
			assertSameState( expected, read );
			assertEquals( 1, provider.sql().executions( "select", "wbm_basic" ) );
		}
		finally {
			other.close();
			provider.closeAll();
		}
	}

	@Test
	void largeObjectsAndConvertedValues() {
		String body = "x".repeat( 100_000 );
		byte[] attachment = new byte[50_000];
		for ( int i = 0; i < attachment.length; i++ ) {
			attachment[i] = (byte) i;
		}
		inTransaction( em -> {
			Note note = new Note();
			note.id = 1L;
			note.body = body;
			note.attachment = attachment.clone();
			note.temperature = new Temperature( 100 );
			em.persist( note );
		} );
		Note cached = fromTransaction( em -> em.find( Note.class, 1L ) );
		assertEquals( body, cached.body );
		assertArrayEquals( attachment, cached.attachment );
		assertEquals( new Temperature( 100 ), cached.temperature );
		assertNoSqlOn( "wbm_note_lob" );
		flushWithoutSelect();
		assertEquals( 212.0, ( (Number) row( "select fahrenheit from wbm_note_lob where id = 1" ).get( "fahrenheit" ) ).doubleValue() );
		assertNoteReadsBack( body, attachment, new Temperature( 100 ), 0 );
		inTransaction( em -> {
			Note note = em.find( Note.class, 1L );
			note.body = "short";
			note.attachment[0] = 42;
			note.temperature = new Temperature( -40 );
		} );
		flushWithoutSelect();
		byte[] changed = attachment.clone();
		changed[0] = 42;
		assertEquals( -40.0, ( (Number) row( "select fahrenheit from wbm_note_lob where id = 1" ).get( "fahrenheit" ) ).doubleValue() );
		assertNoteReadsBack( "short", changed, new Temperature( -40 ), 1 );
	}

	/** A second factory (an empty cache) reads the large objects the flusher wrote. */
	private void assertNoteReadsBack(String body, byte[] attachment, Temperature temperature, int version) {
		CountingConnectionProvider provider = new CountingConnectionProvider( schema, true );
		EntityManagerFactory other = buildFactory( provider, Map.of( "hibernate.hbm2ddl.auto", "none" ) );
		try {
			inTransaction( other, em -> {
				Note read = em.find( Note.class, 1L );
				assertEquals( body, read.body );
				assertArrayEquals( attachment, read.attachment );
				assertEquals( temperature, read.temperature );
				assertEquals( version, read.version );
			} );
		}
		finally {
			other.close();
			provider.closeAll();
		}
	}
}
