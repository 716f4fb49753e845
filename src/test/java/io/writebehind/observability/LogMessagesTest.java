package io.writebehind.observability;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.model.Counter;
import io.writebehind.testing.LogCapture;
import io.writebehind.testing.WriteBehindTestBase;

/** Issue 8: every line has a message id and names the persistence unit; the boot line summarises entities and settings. */
class LogMessagesTest extends WriteBehindTestBase {

	private LogCapture logs;
	private List<LogRecord> records;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@BeforeEach
	void capture() {
		logs = LogCapture.start( Level.INFO, "io.writebehind" );
		records = logs.records();
	}

	@AfterEach
	void release() {
		logs.close();
	}

	private static String text(LogRecord record) {
		return LogCapture.message( record );
	}

	@Test
	void linesHaveIdsAndNameTheUnit() {
		emf.close();
		emf = buildFactory( connections, Map.of() );
		WriteBehind wb = writeBehind();
		inTransaction( em -> em.persist( new Counter( 1L, "c", 1 ) ) );
		wb.pause();
		wb.resume();
		wb.flush();
		inTransaction( em -> em.persist( new Counter( 2L, "c", 2 ) ) );
		wb.pause();
		emf.close();
		assertEquals( 2, count( "select count(*) from wb_counter" ) );

		List<String> lines = records.stream().map( LogMessagesTest::text ).toList();
		String boot = lines.stream().filter( l -> l.startsWith( "WB000001: " ) ).findFirst().orElseThrow(
				() -> new AssertionError( lines.toString() ) );
		assertTrue( boot.contains( "[write-behind wb-test] Active for" ), boot );
		assertTrue( boot.contains( Counter.class.getName() ), boot );
		assertTrue( boot.contains( "max_delay_ms=600000" ) && boot.contains( "jmx.enabled=true" ), boot );
		assertTrue( lines.stream().anyMatch( l -> l.startsWith( "WB000008: [write-behind wb-test] Flushing paused with 1" ) ),
				lines.toString() );
		assertTrue( lines.stream().anyMatch( l -> l.startsWith( "WB000009: [write-behind wb-test] Flushing resumed" ) ),
				lines.toString() );
		assertTrue( lines.stream().anyMatch( l -> l.startsWith( "WB000028: [write-behind wb-test] The EntityManagerFactory "
				+ "is closing while flushing is paused: resumed to drain 1 pending" ) ), lines.toString() );
		for ( LogRecord record : records ) {
			if ( record.getLoggerName().startsWith( "io.writebehind." ) ) {
				assertTrue( text( record ).matches( "WB\\d{6}: \\[write-behind wb-test\\] .*" ), text( record ) );
			}
		}
	}

	/**
	 * WB000004 tells a resource-local application how to commit write-behind transactions without a connection; it is
	 * not logged when the pool already hands out connections with autocommit off (nor under JTA: see JtaTest).
	 */
	@Test
	void theAutocommitHintOnlyWhenHibernateSwitchesAutocommitAtBegin() {
		emf.close();
		emf = buildFactory( connections, Map.of( "hibernate.connection.provider_disables_autocommit", "false" ) );
		assertEquals( 1, records.stream().filter( r -> text( r ).startsWith( "WB000004: [write-behind wb-test] Hint: " ) )
				.count(), records.stream().map( LogMessagesTest::text ).toList()::toString );
		emf.close();
		records.clear();
		emf = buildFactory( connections, Map.of( "hibernate.connection.provider_disables_autocommit", "true" ) );
		assertTrue( records.stream().anyMatch( r -> text( r ).startsWith( "WB000001: " ) ), records::toString );
		assertTrue( records.stream().noneMatch( r -> text( r ).startsWith( "WB000004: " ) ),
				records.stream().map( LogMessagesTest::text ).toList()::toString );
	}
}
