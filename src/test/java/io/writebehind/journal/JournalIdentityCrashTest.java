package io.writebehind.journal;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.testing.ChildJvm;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.TestDatabase;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 18 and the journal: a child JVM ({@link JournalIdentityCrashChild}) persists two entities whose ids the
 * database generates and increments one of them, then is killed with SIGKILL before any flush. The INSERTs committed
 * with the application's transactions (the rows are there at the kill, without the increments); the increments were
 * journaled. A new factory on the same journal and database replays them: after flush() the incremented row has every
 * acknowledged increment, once, and no row was inserted twice.
 */
class JournalIdentityCrashTest extends WriteBehindTestBase {

	private static final int INCREMENTS = 7;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { JournalIdentityCounter.class };
	}

	@Test
	void journaledUpdatesOfAnIdentityEntitySurviveAKill() throws Exception {
		Path dir = Path.of( "target", "journal-identity-crash", UUID.randomUUID().toString().substring( 0, 8 ) )
				.toAbsolutePath();
		Files.createDirectories( dir );
		Path journal = dir.resolve( "journal" );
		TestDatabase.Schema runSchema = database == TestDatabase.H2 ? null : database.createSchema();
		String url = runSchema != null ? runSchema.url()
				: "jdbc:h2:file:" + dir.resolve( "db" ) + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
		try {
			long[] ids = runChildAndKill( dir, url, journal );
			Map<Long, long[]> atKill = rows( url, runSchema );
			assertEquals( 2, atKill.size(), "both INSERTs committed with the application's transactions: " + atKill.keySet() );
			assertArrayEquals( new long[] { 0, 0 }, atKill.get( ids[0] ) );
			assertArrayEquals( new long[] { 0, 0 }, atKill.get( ids[1] ), "the increments were pending at the kill" );

			CountingConnectionProvider provider = new CountingConnectionProvider(
					new TestDatabase.Schema( database, "identity-crash", url ), true );
			Map<String, Object> overrides = new HashMap<>();
			overrides.put( "hibernate.hbm2ddl.auto", "none" );
			overrides.put( WriteBehindSettings.JOURNAL_DIR, journal.toString() );
			EntityManagerFactory recovered = buildFactory( provider, overrides );
			try {
				WriteBehind wb = WriteBehind.of( recovered );
				assertTrue( wb.flush( Duration.ofSeconds( 60 ) ), "flush after recovery" );
				assertEquals( List.of(), wb.failedWrites() );
				assertEquals( 0, wb.stats().conflicts() );
				JournalIdentityCounter second = fromTransaction( recovered,
						em -> em.find( JournalIdentityCounter.class, ids[1] ) );
				assertEquals( INCREMENTS, second.total );
				assertEquals( INCREMENTS, second.version );
			}
			finally {
				recovered.close();
				provider.closeAll();
			}
			Map<Long, long[]> after = rows( url, runSchema );
			assertEquals( atKill.keySet(), after.keySet(), "no row inserted again by the replay" );
			assertArrayEquals( new long[] { 0, 0 }, after.get( ids[0] ) );
			assertArrayEquals( new long[] { INCREMENTS, INCREMENTS }, after.get( ids[1] ) );
		}
		finally {
			if ( runSchema != null ) {
				runSchema.drop();
			}
			else {
				try ( Connection c = database.connect( url ); Statement s = c.createStatement() ) {
					s.execute( "shutdown" );
				}
				catch (SQLException e) {
					// best effort
				}
			}
		}
	}

	/** Runs the child until it printed DONE, kills it with SIGKILL; returns the two ids it printed. */
	private long[] runChildAndKill(Path dir, String url, Path journal) throws Exception {
		List<String> command = ChildJvm.command( List.of( "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC" ),
				JournalIdentityCrashChild.class, database.name().toLowerCase( Locale.ROOT ), url, journal, INCREMENTS );
		Process process = ChildJvm.builder( command ).redirectError( dir.resolve( "child.err" ).toFile() ).start();
		try {
			CompletableFuture<long[]> done = CompletableFuture.supplyAsync( () -> {
				try ( BufferedReader in = new BufferedReader(
						new InputStreamReader( process.getInputStream(), StandardCharsets.UTF_8 ) ) ) {
					long[] ids = null;
					String line;
					while ( ( line = in.readLine() ) != null ) {
						if ( line.startsWith( "IDS " ) && line.endsWith( " ." ) ) {
							String[] parts = line.split( " " );
							ids = new long[] { Long.parseLong( parts[1] ), Long.parseLong( parts[2] ) };
						}
						else if ( line.equals( "DONE ." ) ) {
							return ids;
						}
					}
					return null;
				}
				catch (java.io.IOException e) {
					throw new java.io.UncheckedIOException( e );
				}
			} );
			long[] ids = done.get( 120, TimeUnit.SECONDS );
			assertNotNull( ids, () -> "the child did not finish its commits; see " + dir.resolve( "child.err" ) );
			return ids;
		}
		finally {
			process.destroyForcibly();
			assertTrue( process.waitFor( 60, TimeUnit.SECONDS ), "the child did not die" );
			assertEquals( 137, process.exitValue(), "the child was killed with SIGKILL" );
		}
	}

	/** id to {total, version}, read with plain JDBC. */
	private Map<Long, long[]> rows(String url, TestDatabase.Schema runSchema) throws SQLException {
		Map<Long, long[]> rows = new HashMap<>();
		try ( Connection c = runSchema != null ? runSchema.connect() : database.connect( url );
				PreparedStatement ps = c.prepareStatement( "select id, total, version from wbj_identity_counter" );
				ResultSet rs = ps.executeQuery() ) {
			while ( rs.next() ) {
				rows.put( rs.getLong( 1 ), new long[] { rs.getLong( 2 ), rs.getLong( 3 ) } );
			}
			if ( !c.getAutoCommit() ) {
				c.rollback();
			}
		}
		return rows;
	}
}
