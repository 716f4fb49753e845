package io.writebehind.spring;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Level;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.hibernate.SessionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.metrics.WriteBehindMetrics;
import io.writebehind.model.Counter;
import io.writebehind.testing.LogCapture;
import io.writebehind.testing.WriteBehindTestBase;

/**
 * Issue 15, point 5: a journal append that fails is never only a log line. The commit's writes are still queued and
 * written; the failure is logged with its id (WB000460), counted in {@link WriteBehindStats.JournalStats}, the
 * {@code writebehind.journal.*} meters and the JMX attributes, and the health component is DOWN until an append
 * succeeds again.
 */
class JournalAppendFailureTest extends WriteBehindTestBase {

	@TempDir
	Path temp;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.JOURNAL_DIR, temp.resolve( "journal" ).toString() );
	}

	@Test
	void aFailedAppendIsCountedReportedAndTheWritesStillReachTheDatabase() throws Exception {
		WriteBehind wb = writeBehind();
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		WriteBehindMetrics.monitor( registry, emf );
		DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
		beans.registerSingleton( "entityManagerFactory", emf );
		WriteBehindHealthIndicator health = new WriteBehindHealthIndicator( new WriteBehindUnits( beans ),
				new WriteBehindProperties() );

		inTransaction( em -> em.persist( new Counter( 1L, "journaled", 1 ) ) );
		assertEquals( 0, wb.stats().journal().appendFailures() );
		assertFalse( wb.stats().journal().failing() );
		assertEquals( Status.UP, health.health().getStatus() );

		// the journal's files go away under the running factory: every append fails from now on
		WriteBehindRuntime.of( emf.unwrap( SessionFactory.class ) ).journal().close();
		try ( LogCapture logs = LogCapture.start( Level.INFO, "io.writebehind" ) ) {
			inTransaction( em -> em.persist( new Counter( 2L, "not journaled", 2 ) ) );
			assertTrue( logs.lines().stream().anyMatch( line -> line.startsWith( "WB000460: [write-behind wb-test] " )
					&& line.contains( Counter.class.getName() ) ), logs.lines().toString() );
		}
		wb.flush();
		assertEquals( 2, count( "select count(*) from wb_counter" ), "the commit's writes were queued all the same" );

		WriteBehindStats.JournalStats journal = wb.stats().journal();
		assertEquals( 1, journal.appendFailures() );
		assertTrue( journal.failing() );
		assertEquals( 1.0, registry.get( "writebehind.journal.append.failures" ).functionCounter().count() );
		assertEquals( 1.0, registry.get( "writebehind.journal.failing" ).gauge().value() );
		MBeanServer server = ManagementFactory.getPlatformMBeanServer();
		ObjectName name = server.queryNames( new ObjectName( "io.writebehind:type=WriteBehind,*" ), null ).iterator().next();
		assertEquals( 1L, server.getAttribute( name, "JournalAppendFailures" ) );
		assertEquals( true, server.getAttribute( name, "JournalFailing" ) );
		Health down = health.health();
		assertEquals( Status.DOWN, down.getStatus(), down.toString() );
		assertTrue( String.valueOf( down.getDetails().get( "reason" ) ).contains( "journal" ), down.toString() );
		assertEquals( 1L, down.getDetails().get( "journalAppendFailures" ) );
	}
}
