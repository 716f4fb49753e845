package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.hibernate.jpa.HibernatePersistenceConfiguration;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.SqlLog;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.SharedCacheMode;

/**
 * Helpers of the mapping tests: plain-JDBC row reads, SQL assertions, and factories built for other entity lists (for
 * mappings that must be refused at boot).
 */
abstract class MappingTestBase extends WriteBehindTestBase {

	/** One row read with plain JDBC, by lower-case column label; {@code null} if there is none. */
	protected Map<String, Object> row(String sql, Object... parameters) {
		List<Map<String, Object>> rows = rows( sql, parameters );
		assertTrue( rows.size() <= 1, () -> "more than one row for " + sql + ": " + rows );
		return rows.isEmpty() ? null : rows.get( 0 );
	}

	/** Rows read with plain JDBC, each by lower-case column label. */
	protected List<Map<String, Object>> rows(String sql, Object... parameters) {
		return jdbc( c -> {
			try ( PreparedStatement ps = c.prepareStatement( sql ) ) {
				for ( int i = 0; i < parameters.length; i++ ) {
					ps.setObject( i + 1, parameters[i] );
				}
				try ( ResultSet rs = ps.executeQuery() ) {
					ResultSetMetaData meta = rs.getMetaData();
					List<Map<String, Object>> result = new ArrayList<>();
					while ( rs.next() ) {
						Map<String, Object> row = new LinkedHashMap<>();
						for ( int i = 1; i <= meta.getColumnCount(); i++ ) {
							row.put( meta.getColumnLabel( i ).toLowerCase( Locale.ROOT ), rs.getObject( i ) );
						}
						result.add( row );
					}
					return result;
				}
			}
		} );
	}

	/** A column value as a long (numbers of any JDBC type), or null. */
	protected static Long longValue(Map<String, Object> row, String column) {
		assertTrue( row.containsKey( column ), () -> "no column " + column + " in " + row );
		Object value = row.get( column );
		return value == null ? null : ( (Number) value ).longValue();
	}

	protected static String string(Map<String, Object> row, String column) {
		assertTrue( row.containsKey( column ), () -> "no column " + column + " in " + row );
		Object value = row.get( column );
		return value == null ? null : value.toString();
	}

	/** Asserts that no statement of any kind named the table since the log was last cleared. */
	protected void assertNoSqlOn(String... tables) {
		for ( String table : tables ) {
			assertEquals( 0, connections.sql().touching( table ), () -> "SQL on " + table + ":\n" + connections.sql() );
		}
	}

	/** Flushes the write-behind queue and asserts that the flusher read nothing (no SELECT of a parent, no lookup). */
	protected void flushWithoutSelect() {
		connections.sql().clear();
		writeBehind().flush();
		assertEquals( 0, connections.sql().executions( e -> e.is( "select" ) ), () -> "the flusher selected:\n" + connections.sql() );
		assertTrue( writeBehind().failedWrites().isEmpty(), () -> "failed writes: " + writeBehind().failedWrites() );
		assertEquals( 0, writeBehind().stats().pending(), () -> writeBehind().stats().toString() );
	}

	protected SqlLog sql() {
		return connections.sql();
	}

	/** Builds a factory for these entities on this test's schema (the entities of {@link #entities()} are not used). */
	protected EntityManagerFactory buildFactoryOf(CountingConnectionProvider provider, Map<String, Object> overrides,
			Class<?>... entities) {
		Map<String, Object> properties = defaultProperties( provider );
		properties( properties );
		properties.putAll( overrides );
		baseFlushSizeWithin( properties );
		HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "wb-test" );
		for ( Class<?> entity : entities ) {
			configuration.managedClass( entity );
		}
		properties.forEach( (key, value) -> {
			if ( key.equals( "jakarta.persistence.sharedCache.mode" ) ) {
				configuration.sharedCacheMode( SharedCacheMode.valueOf( value.toString() ) );
			}
			configuration.property( key, value );
		} );
		return configuration.createEntityManagerFactory();
	}

	/**
	 * Asserts that building a factory of these entities fails with a {@link WriteBehindConfigurationException} (in the
	 * cause chain) whose message contains every fragment; returns the message.
	 */
	protected String assertRefused(Map<String, Object> overrides, Class<?>[] entities, String... fragments) {
		CountingConnectionProvider provider = new CountingConnectionProvider( schema, true );
		try {
			Throwable thrown = assertThrows( Throwable.class, () -> {
				EntityManagerFactory factory = buildFactoryOf( provider, overrides, entities );
				factory.close();
			}, "the factory started although the mapping must be refused" );
			WriteBehindConfigurationException refusal = null;
			for ( Throwable t = thrown; t != null; t = t.getCause() ) {
				if ( t instanceof WriteBehindConfigurationException e ) {
					refusal = e;
					break;
				}
			}
			if ( refusal == null ) {
				fail( "no WriteBehindConfigurationException in the cause chain", thrown );
			}
			String message = refusal.getMessage();
			System.out.println( "Refused as expected: " + message );
			for ( String fragment : fragments ) {
				assertTrue( message.contains( fragment ), () -> "the message does not contain '" + fragment + "': " + message );
			}
			return message;
		}
		finally {
			provider.closeAll();
		}
	}
}
