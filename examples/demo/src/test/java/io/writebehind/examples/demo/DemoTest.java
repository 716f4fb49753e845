package io.writebehind.examples.demo;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.Statement;

import org.junit.jupiter.api.Test;
import io.writebehind.examples.support.PoolingConnectionProvider;

/** Runs the demo's workload at a tiny size on embedded H2 and checks its verification (behaviour only, no timing). */
class DemoTest {

	private final Path target = Paths.get( "target", "demo-test" );

	private Demo.Options tiny() {
		Demo.Options o = new Demo.Options();
		o.threads = 3;
		o.inserts = 300;
		o.updates = 2_000;
		o.hotIds = 40;
		o.plainFraction = 1.0;
		o.warmUp = 30;
		o.progress = false;
		o.target = target;
		return o;
	}

	@Test
	void workloadEndsWithEveryRowAsExpected() throws Exception {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		Demo.Report report = Demo.run( tiny(), new PrintStream( bytes, true, StandardCharsets.UTF_8 ) );
		String printed = bytes.toString( StandardCharsets.UTF_8 );

		assertTrue( report.ok(), printed );
		assertEquals( 300, report.writeBehindCheck().rows() );
		assertEquals( 300, report.plainCheck().rows() );
		assertTrue( printed.contains( "verified 300 rows" ), printed );
		assertTrue( printed.contains( "write-behind figures at the end of the run" ), printed );
		assertTrue( printed.contains( "queue-full rejections" ), printed );
		assertEquals( 2_000, report.writeBehind().updates().operations() );
		// every insert reached the database, and no commit cost more than one row write
		assertTrue( report.writeBehind().flushedRows() >= 300, printed );
		assertTrue( report.writeBehind().flushedRows() + report.writeBehind().coalesced() <= 2_300, printed );
		assertTrue( report.failedWrites().isEmpty(), printed );
		String json = Files.readString( report.json() );
		assertTrue( json.contains( "\"writeBehindRowsVerified\": 300" ), json );
		assertTrue( json.contains( "\"ok\": true" ), json );
	}

	@Test
	void verificationNoticesARowThatIsNotAsExpected() throws Exception {
		Demo.Report report = Demo.run( tiny(), new PrintStream( new ByteArrayOutputStream(), true, StandardCharsets.UTF_8 ) );
		assertTrue( report.ok() );

		String url = "jdbc:h2:file:" + target.toAbsolutePath().resolve( "demo-db" ).resolve( "demo" ) + ";DB_CLOSE_ON_EXIT=FALSE";
		PoolingConnectionProvider pool = new PoolingConnectionProvider( url, "sa", "" );
		try ( Connection c = pool.openUncounted(); Statement s = c.createStatement() ) {
			s.executeUpdate( "update demo_wb_counter set total = total + 1 where id = 7" );
			s.executeUpdate( "delete from demo_wb_counter where id = 8" );
		}
		Workload.Verification check = new Workload( null, pool, false ).verify( report.writeBehind() );
		assertFalse( check.ok() );
		assertEquals( 299, check.rows() );
		String all = String.join( "\n", check.mismatches() );
		assertTrue( all.contains( "id 7:" ), all );
		assertTrue( all.contains( "id 8 is missing" ), all );
	}

	@Test
	void optionsAreParsedAndChecked() {
		Demo.Options o = Demo.parse( new String[] { "--url", "jdbc:postgresql://127.0.0.1:5432/test", "--user", "postgres",
				"--threads", "2", "--inserts", "1_000", "--hot-ids", "10", "--no-progress" } );
		assertEquals( "jdbc:postgresql://127.0.0.1:5432/test", o.url );
		assertEquals( "postgres", o.user );
		assertEquals( 2, o.threads );
		assertEquals( 1_000, o.inserts );
		assertFalse( o.progress );
		assertThrows( IllegalArgumentException.class, () -> Demo.parse( new String[] { "--hot-ids", "9", "--inserts", "5" } ) );
		assertThrows( IllegalArgumentException.class, () -> Demo.parse( new String[] { "--bogus", "1" } ) );
		assertNull( Demo.parse( new String[] { "--help" } ) );
	}
}
