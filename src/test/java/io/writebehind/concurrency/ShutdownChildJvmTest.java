package io.writebehind.concurrency;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.writebehind.model.Counter;
import io.writebehind.testing.TestDatabase;

/**
 * Issue point 5b/5c: a separate JVM ({@link ShutdownChild}) commits writes with max_delay 10 minutes and ends without
 * flushing or closing its factory. With flush_on_shutdown=true the JVM shutdown hook writes them (whether main returns
 * or the application calls System.exit(0)); with flush_on_shutdown=false they are lost, which proves that the hook is
 * what writes them. On H2 the child uses a file database under target/ (an in-memory one would die with the child):
 * with {@code DB_CLOSE_ON_EXIT=FALSE}, so that H2's own shutdown hook does not close it under the flusher, and
 * {@code WRITE_DELAY=0}, because H2 keeps the last commits in memory for up to WRITE_DELAY and a JVM that exits
 * without closing the database loses them. On PostgreSQL and MariaDB the child writes into this test's schema.
 */
class ShutdownChildJvmTest extends ConcurrencyTestBase {

	private static final int IDS = 200;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Test
	void theShutdownHookWritesPendingWritesWhenMainReturns() throws Exception {
		String url = childDatabaseUrl();
		String output = runChild( url, "return", true );
		assertTrue( output.contains( ShutdownChild.COMMITTED + " " + IDS + " pending=" + IDS ), output );
		assertAllRowsWritten( url, output );
	}

	@Test
	void theShutdownHookWritesPendingWritesOnSystemExit() throws Exception {
		String url = childDatabaseUrl();
		String output = runChild( url, "exit", true );
		assertTrue( output.contains( ShutdownChild.COMMITTED + " " + IDS + " pending=" + IDS ), output );
		assertAllRowsWritten( url, output );
	}

	@Test
	void withoutTheShutdownHookPendingWritesAreLostAtExit() throws Exception {
		String url = childDatabaseUrl();
		String output = runChild( url, "return", false );
		assertTrue( output.contains( ShutdownChild.COMMITTED + " " + IDS + " pending=" + IDS ), output );
		assertEquals( 0, childCount( url, "select count(*) from wb_counter" ), "rows written although "
				+ "flush_on_shutdown=false; child output:\n" + output );
	}

	private void assertAllRowsWritten(String url, String output) throws SQLException {
		assertEquals( IDS, childCount( url, "select count(*) from wb_counter" ), "child output:\n" + output );
		// odd ids were incremented once after the persist
		assertEquals( IDS, childCount( url, "select count(*) from wb_counter where total = id + mod(id, 2) "
				+ "and version = mod(id, 2) and name = 'child'" ), "child output:\n" + output );
	}

	private String childDatabaseUrl() throws IOException {
		if ( database != TestDatabase.H2 ) {
			return schema.url();
		}
		Path directory = Path.of( "target", "shutdown-child", UUID.randomUUID().toString() ).toAbsolutePath();
		Files.createDirectories( directory );
		return "jdbc:h2:file:" + directory.resolve( "db" ) + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
	}

	private long childCount(String url, String sql) throws SQLException {
		try ( Connection connection = database == TestDatabase.H2
				? DriverManager.getConnection( url, database.user(), database.password() )
				: schema.connect();
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery( sql ) ) {
			rs.next();
			return rs.getLong( 1 );
		}
	}

	/** Runs {@link ShutdownChild} in a new JVM on the test class path; returns its output once it has ended with 0. */
	private String runChild(String url, String ending, boolean flushOnShutdown) throws Exception {
		List<String> command = io.writebehind.testing.ChildJvm.command( List.of(), ShutdownChild.class,
				database.name().toLowerCase( Locale.ROOT ), url, IDS, ending, flushOnShutdown );
		Process process = io.writebehind.testing.ChildJvm.builder( command ).redirectErrorStream( true ).start();
		ByteArrayOutputStream output = new ByteArrayOutputStream();
		Thread pump = new Thread( () -> {
			try ( InputStream in = process.getInputStream() ) {
				in.transferTo( output );
			}
			catch (IOException ignored) {
				// the process ended
			}
		}, "child-output" );
		pump.start();
		boolean ended = process.waitFor( 120, TimeUnit.SECONDS );
		if ( !ended ) {
			process.destroyForcibly();
		}
		pump.join( 10_000 );
		String text = output.toString( StandardCharsets.UTF_8 );
		assertTrue( ended, "the child JVM did not end within 120 s (a non-daemon thread?); output:\n" + text );
		assertEquals( 0, process.exitValue(), "child exit code; output:\n" + text );
		return text;
	}
}
