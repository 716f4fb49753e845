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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
 * <p>
 * Issue 13 point 5, on embedded H2 whatever the suite's database: a program on a plain {@code jdbc:h2:file:} URL
 * (Hibernate's own connections) is refused at boot, naming {@code DB_CLOSE_ON_EXIT=FALSE}, instead of losing its
 * writes at {@code System.exit(0)}; with {@code DB_CLOSE_ON_EXIT=FALSE} alone (H2's default WRITE_DELAY) every write
 * is in the database after the exit; and writes that cannot be written at exit are reported on stderr, where the
 * user sees them after the logging system has shut down.
 */
class ShutdownChildJvmTest extends ConcurrencyTestBase {

	private static final int IDS = 200;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	/** {@code return}: main returns; {@code exit}: the application calls System.exit(0). */
	@ParameterizedTest(name = "the child's main ends by {0}")
	@ValueSource(strings = { "return", "exit" })
	void theShutdownHookWritesPendingWrites(String ending) throws Exception {
		String url = childDatabaseUrl();
		String output = runChild( url, ending, true );
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

	@Test
	void aProgramOnAPlainEmbeddedH2FileUrlIsRefusedAtBootInsteadOfLosingItsWritesAtExit() throws Exception {
		String url = h2FileUrl( "" );
		String output = runChild( 3, url, "exit", true, ShutdownChild.URL, false );
		assertTrue( output.contains( ShutdownChild.BOOT_REFUSED ), output );
		assertTrue( output.contains( "WriteBehindConfigurationException" ), output );
		assertTrue( output.contains( ";DB_CLOSE_ON_EXIT=FALSE" ), output );
		assertTrue( output.contains( "hibernate.writebehind.flush_on_shutdown" ), output );
		assertFalse( output.contains( ShutdownChild.COMMITTED ), output );
	}

	@Test
	void aProgramOnAnEmbeddedH2FileUrlWithDbCloseOnExitFalseKeepsEveryWriteAfterSystemExit() throws Exception {
		// H2's default WRITE_DELAY: the hook forces the database to disk after writing the pending writes
		String url = h2FileUrl( ";DB_CLOSE_ON_EXIT=FALSE" );
		String output = runChild( 0, url, "exit", true, ShutdownChild.URL, false );
		assertTrue( output.contains( ShutdownChild.COMMITTED + " " + IDS + " pending=" + IDS ), output );
		assertAllRowsWritten( url, output );
	}

	@Test
	void writesThatCannotBeWrittenAtExitAreReportedOnStandardError() throws Exception {
		String url = childDatabaseUrl();
		String output = runChild( 0, url, "exit", true, ShutdownChild.PROVIDER, true );
		assertTrue( output.contains( ShutdownChild.COMMITTED + " " + IDS + " pending=" + IDS ), output );
		// the logging system may have shut down before the hook reports: the line is on stderr whatever it did
		assertTrue( output.contains( "WB000322: [write-behind child] " + IDS + " committed write(s) did NOT reach the "
				+ "database at JVM exit" ), output );
		assertTrue( output.contains( "{io.writebehind.model.Counter=" + IDS + "}" ), output );
		assertEquals( 0, childCount( url, "select count(*) from wb_counter" ), output );
	}

	private static String h2FileUrl(String options) throws IOException {
		Path directory = Path.of( "target", "shutdown-child", UUID.randomUUID().toString() ).toAbsolutePath();
		Files.createDirectories( directory );
		return "jdbc:h2:file:" + directory.resolve( "db" ) + options;
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
		try ( Connection connection = url.startsWith( "jdbc:h2:" )
				? DriverManager.getConnection( url, TestDatabase.H2.user(), TestDatabase.H2.password() )
				: schema.connect();
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery( sql ) ) {
			rs.next();
			return rs.getLong( 1 );
		}
	}

	/** Runs {@link ShutdownChild} in a new JVM on the test class path; returns its output once it has ended with 0. */
	private String runChild(String url, String ending, boolean flushOnShutdown) throws Exception {
		return runChild( 0, url, ending, flushOnShutdown, ShutdownChild.PROVIDER, false );
	}

	/** As above, expecting an exit code; connections from the provider or the URL; the database down at exit. */
	private String runChild(int exitCode, String url, String ending, boolean flushOnShutdown, String connections,
			boolean downAtExit) throws Exception {
		String kind = url.startsWith( "jdbc:h2:" ) ? "h2" : database.name().toLowerCase( Locale.ROOT );
		List<String> command = io.writebehind.testing.ChildJvm.command( List.of(), ShutdownChild.class,
				kind, url, IDS, ending, flushOnShutdown, connections, downAtExit );
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
		assertEquals( exitCode, process.exitValue(), "child exit code; output:\n" + text );
		return text;
	}
}
