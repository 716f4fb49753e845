package io.writebehind.journal;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.TestDatabase;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 7, point 6: a child JVM ({@link JournalCrashChild}) commits from several threads at full speed and is killed
 * with SIGKILL at a random moment; it printed each acknowledged commit. A new factory (in this JVM) starts on the same
 * journal and database; after flush() every acknowledged write is in the database and nothing was written twice
 * (every row has {@code total = version + 1}: a write applied twice, or re-based over our own row, would break it).
 * Repeated {@value #DEFAULT_RUNS} times per fsync mode ({@code -Dwritebehind.test.crash_runs}). On H2 each run uses a
 * file database under target/ (with {@code DB_CLOSE_ON_EXIT=FALSE}, and {@code WRITE_DELAY=0}: H2 otherwise keeps its
 * last commits in memory, and a killed process loses them, database commits the journal already counted as written);
 * on PostgreSQL a schema of its own. To stay fast, the next child JVM boots while the previous run is recovered; it
 * starts committing when told to.
 */
class JournalCrashTest extends WriteBehindTestBase {

	static final int DEFAULT_RUNS = 12;
	static final int RUNS = Integer.getInteger( "writebehind.test.crash_runs", DEFAULT_RUNS );
	private static final int THREADS = 4;
	private static final int IDS_PER_THREAD = 25;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@ParameterizedTest(name = "journal.fsync={0}")
	@ValueSource(strings = { "ALWAYS", "INTERVAL", "NEVER" })
	void everyAcknowledgedWriteReachesTheDatabaseOnceAfterAKill(String fsync) throws Exception {
		crashAndRecover( fsync );
	}

	/** One run: its database, journal and child JVM. */
	private final class Run {
		final int number;
		final String fsync;
		final Path dir;
		final Path journal;
		final String url;
		final TestDatabase.Schema runSchema;
		final Process process;
		final Map<Long, Long> acked = new ConcurrentHashMap<>();
		final List<String> errors = new ArrayList<>();
		final CountDownLatch ready = new CountDownLatch( 1 );
		final CountDownLatch firstAck = new CountDownLatch( 1 );
		final Thread pump;

		Run(int number, String fsync) throws Exception {
			this.number = number;
			this.fsync = fsync;
			dir = Path.of( "target", "journal-crash", fsync.toLowerCase( Locale.ROOT ) + "-" + number + "-"
					+ UUID.randomUUID().toString().substring( 0, 8 ) ).toAbsolutePath();
			Files.createDirectories( dir );
			journal = dir.resolve( "journal" );
			String ddl = "create table wb_counter (id bigint primary key, version bigint not null, name varchar(255), "
					+ "total bigint not null)";
			if ( database == TestDatabase.H2 ) {
				runSchema = null;
				url = "jdbc:h2:file:" + dir.resolve( "db" ) + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
				try ( Connection c = database.connect( url ); Statement s = c.createStatement() ) {
					s.execute( ddl );
					s.execute( "shutdown" );
				}
			}
			else {
				runSchema = database.createSchema();
				url = runSchema.url();
				try ( Connection c = runSchema.connect(); Statement s = c.createStatement() ) {
					c.setAutoCommit( true );
					s.execute( ddl );
				}
			}
			List<String> command = io.writebehind.testing.ChildJvm.command(
					List.of( "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC" ), JournalCrashChild.class,
					database.name().toLowerCase( Locale.ROOT ), url, journal, fsync, THREADS, IDS_PER_THREAD );
			process = io.writebehind.testing.ChildJvm.builder( command ).redirectError( dir.resolve( "child.err" ).toFile() )
					.start();
			pump = new Thread( this::readOutput, "crash-child-output-" + number );
			pump.start();
		}

		private void readOutput() {
			try ( BufferedReader in = new BufferedReader( new InputStreamReader( process.getInputStream(),
					StandardCharsets.UTF_8 ) ) ) {
				String line;
				while ( ( line = in.readLine() ) != null ) {
					if ( line.startsWith( "READY ." ) ) {
						ready.countDown();
					}
					else if ( line.startsWith( "ACK " ) && line.endsWith( " ." ) ) {
						// a whole line: printed after commit() returned
						String[] parts = line.split( " " );
						acked.merge( Long.parseLong( parts[1] ), Long.parseLong( parts[2] ), Math::max );
						firstAck.countDown();
					}
					else if ( line.startsWith( "ERR " ) ) {
						synchronized ( errors ) {
							errors.add( line );
						}
					}
				}
			}
			catch (IOException | RuntimeException ignored) {
				// killed mid-line
			}
		}

		/** Lets the child commit, and kills it with SIGKILL at a random moment. */
		void goAndKill() throws Exception {
			try {
				assertTrue( ready.await( 120, TimeUnit.SECONDS ), "child did not start; see " + dir.resolve( "child.err" ) );
				OutputStream stdin = process.getOutputStream();
				stdin.write( "GO\n".getBytes( StandardCharsets.UTF_8 ) );
				stdin.flush();
				assertTrue( firstAck.await( 60, TimeUnit.SECONDS ), "child did not commit; see " + dir.resolve( "child.err" ) );
				Thread.sleep( 100 + ThreadLocalRandom.current().nextInt( 500 ) );
			}
			finally {
				process.destroyForcibly();
				process.waitFor( 60, TimeUnit.SECONDS );
				pump.join( 10_000 );
			}
			assertEquals( 137, process.exitValue(), "the child was killed with SIGKILL" );
			synchronized ( errors ) {
				assertEquals( List.of(), errors, fsync + " run " + number + ": the child's commits failed" );
			}
		}

		Connection connect() throws SQLException {
			return runSchema != null ? runSchema.connect() : database.connect( url );
		}

		void cleanUp() {
			process.destroyForcibly();
			try {
				if ( runSchema != null ) {
					runSchema.drop();
				}
				else {
					try ( Connection c = connect(); Statement s = c.createStatement() ) {
						s.execute( "shutdown" );
					}
				}
			}
			catch (RuntimeException | SQLException e) {
				// best effort
			}
		}
	}

	private void crashAndRecover(String fsync) throws Exception {
		long acked = 0;
		long missingBeforeRecovery = 0;
		long started = System.nanoTime();
		Run next = new Run( 1, fsync );
		try {
			for ( int number = 1; number <= RUNS; number++ ) {
				Run run = next;
				next = null;
				try {
					run.goAndKill();
					if ( number < RUNS ) {
						next = new Run( number + 1, fsync ); // boots while this run is recovered
					}
					acked += run.acked.size();
					Map<Long, long[]> before = rows( run );
					for ( Map.Entry<Long, Long> e : run.acked.entrySet() ) {
						long[] row = before.get( e.getKey() );
						if ( row == null || row[0] < e.getValue() ) {
							missingBeforeRecovery++;
						}
					}
					recover( run );
					check( run );
				}
				finally {
					run.cleanUp();
				}
			}
		}
		finally {
			if ( next != null ) {
				next.cleanUp();
			}
		}
		System.out.printf( "JournalCrashTest %s on %s: %d runs, %d acknowledged ids, %d of them (acknowledged state) "
				+ "not in the database at the kill and recovered from the journal, %d s%n", fsync, database, RUNS,
				acked, missingBeforeRecovery, ( System.nanoTime() - started ) / 1_000_000_000 );
		assertTrue( missingBeforeRecovery > 0, "no run killed the child with acknowledged writes still pending: the "
				+ "test proves nothing" );
	}

	private void recover(Run run) {
		CountingConnectionProvider provider = new CountingConnectionProvider(
				new TestDatabase.Schema( database, "crash", run.url ), true );
		Map<String, Object> overrides = new HashMap<>();
		overrides.put( "hibernate.hbm2ddl.auto", "none" );
		overrides.put( WriteBehindSettings.JOURNAL_DIR, run.journal.toString() );
		overrides.put( WriteBehindSettings.JOURNAL_FSYNC, run.fsync );
		EntityManagerFactory recovered = buildFactory( provider, overrides );
		try {
			WriteBehind wb = WriteBehind.of( recovered );
			assertTrue( wb.flush( Duration.ofSeconds( 60 ) ), run.fsync + " run " + run.number + ": flush after recovery" );
			assertEquals( List.of(), wb.failedWrites(), run.fsync + " run " + run.number + ": failed writes after recovery" );
		}
		finally {
			recovered.close();
			provider.closeAll();
		}
	}

	private void check(Run run) throws Exception {
		String where = run.fsync + " run " + run.number + " (" + run.dir + "): ";
		Map<Long, long[]> after = rows( run );
		for ( Map.Entry<Long, Long> e : run.acked.entrySet() ) {
			long[] row = after.get( e.getKey() );
			assertNotNull( row, where + "the acknowledged persist of id " + e.getKey() + " is not in the database" );
			assertTrue( row[0] >= e.getValue(), where + "id " + e.getKey() + " has total " + row[0]
					+ " in the database, but total " + e.getValue() + " was acknowledged" );
		}
		for ( Map.Entry<Long, long[]> e : after.entrySet() ) {
			assertEquals( e.getValue()[1] + 1, e.getValue()[0], where + "id " + e.getKey() + " has total "
					+ e.getValue()[0] + " and version " + e.getValue()[1] + ": a write was applied twice or re-based" );
		}
		assertTrue( segments( run.journal ) <= 1, where + "a clean close leaves at most the empty current segment" );
	}

	/** id to {total, version}. */
	private static Map<Long, long[]> rows(Run run) throws SQLException {
		Map<Long, long[]> rows = new HashMap<>();
		try ( Connection c = run.connect(); Statement s = c.createStatement();
				ResultSet rs = s.executeQuery( "select id, total, version from wb_counter" ) ) {
			while ( rs.next() ) {
				rows.put( rs.getLong( 1 ), new long[] { rs.getLong( 2 ), rs.getLong( 3 ) } );
			}
			if ( !c.getAutoCommit() ) {
				c.rollback();
			}
		}
		return rows;
	}

	private static long segments(Path dir) throws IOException {
		try ( Stream<Path> files = Files.list( dir ) ) {
			return files.filter( p -> p.getFileName().toString().endsWith( ".wbj" ) ).count();
		}
	}
}
