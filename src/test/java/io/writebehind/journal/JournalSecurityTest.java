package io.writebehind.journal;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.logging.Level;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.hibernate.SessionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.journal.Journal;
import io.writebehind.internal.journal.JournalConfig;
import io.writebehind.internal.journal.JournalException;
import io.writebehind.internal.journal.JournalFsync;
import io.writebehind.internal.journal.JournalSupport;
import io.writebehind.testing.LogCapture;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 19, points 1 and 4: the journal's files are the application's alone, and a hostile journal (bogus lengths, a
 * huge declared record, a truncated tail, random bytes, records with a valid CRC but garbage inside) never hangs or
 * exhausts the start: each start either replays a prefix of the journal's records (a torn tail cut off) or refuses
 * with a {@link JournalException} naming the journal, never anything else.
 */
class JournalSecurityTest extends WriteBehindTestBase {

	@TempDir
	Path temp;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { JournalItem.class };
	}

	private Path journalDir() {
		return temp.resolve( "journal" );
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.JOURNAL_DIR, journalDir().toString() );
		properties.put( WriteBehindSettings.JOURNAL_FSYNC, "NEVER" );
		properties.put( WriteBehindSettings.JOURNAL_SEGMENT_BYTES, "4096" );
		properties.put( WriteBehindSettings.JOURNAL_CHECKPOINT_INTERVAL_MS, "3600000" );
		properties.put( WriteBehindSettings.SHUTDOWN_TIMEOUT_MS, "300" );
	}

	private static String permissions(Path path) throws IOException {
		return PosixFilePermissions.toString( Files.getPosixFilePermissions( path ) );
	}

	private static List<Path> files(Path dir) throws IOException {
		try ( Stream<Path> files = Files.list( dir ) ) {
			return files.sorted().toList();
		}
	}

	@Test
	void directoryAndFilesAreOwnerOnly() throws IOException {
		for ( long id = 1; id <= 40; id++ ) {
			long i = id;
			inTransaction( em -> em.persist( new JournalItem( i, "item " + i, i ) ) );
		}
		// the process umask (022 here) would give rwxr-xr-x and rw-r--r--
		assertEquals( "rwx------", permissions( journalDir() ) );
		List<Path> files = files( journalDir() );
		assertTrue( files.size() >= 2, "lock and segments: " + files );
		for ( Path file : files ) {
			assertEquals( "rw-------", permissions( file ), file.toString() );
		}
	}

	@Test
	void ownerOnlyUnderAnOpenUmask() throws Exception {
		Path dir = temp.resolve( "umask-000" ).resolve( "journal" );
		List<String> command = new ArrayList<>( List.of( "sh", "-c", "umask 000; exec \"$@\"", "sh" ) );
		command.addAll( io.writebehind.testing.ChildJvm.command( List.of(), JournalUmaskChild.class, dir ) );
		Process child = io.writebehind.testing.ChildJvm.builder( command ).redirectErrorStream( true ).start();
		String output = new String( child.getInputStream().readAllBytes() );
		assertTrue( child.waitFor( 120, java.util.concurrent.TimeUnit.SECONDS ), "the child did not end" );
		assertEquals( 0, child.exitValue(), output );
		// the parent the child created follows the umask; the journal's own directory and files do not
		assertEquals( "rwxrwxrwx", permissions( dir.getParent() ) );
		assertEquals( "rwx------", permissions( dir ) );
		List<Path> files = files( dir );
		assertEquals( 3, files.size(), files.toString() ); // lock, the segment written, the one rolled to
		for ( Path file : files ) {
			assertEquals( "rw-------", permissions( file ), file.toString() );
		}
	}

	@Test
	void aDirectoryOthersCanWriteToIsRefused() throws IOException {
		Path open = temp.resolve( "open" );
		Files.createDirectories( open );
		Files.setPosixFilePermissions( open, PosixFilePermissions.fromString( "rwxrwxrwx" ) );
		RuntimeException e = assertThrows( RuntimeException.class,
				() -> buildFactory( connections, Map.of( WriteBehindSettings.JOURNAL_DIR, open.toString() ) ) );
		String message = messages( e );
		assertTrue( message.contains( WriteBehindSettings.JOURNAL_DIR + " was '" + open + "'" )
				&& message.contains( "permissions rwxrwxrwx" ) && message.contains( "chmod 700 " + open ), message );
		assertTrue( hasCause( e, WriteBehindConfigurationException.class ), message );

		Files.setPosixFilePermissions( open, PosixFilePermissions.fromString( "rwx---rwx" ) );
		e = assertThrows( RuntimeException.class,
				() -> buildFactory( connections, Map.of( WriteBehindSettings.JOURNAL_DIR, open.toString() ) ) );
		assertTrue( messages( e ).contains( "permissions rwx---rwx" ), messages( e ) );
	}

	@Test
	void aReadableDirectoryIsWarnedAboutAndOldFilesAreRestricted() throws IOException {
		inTransaction( em -> em.persist( new JournalItem( 1L, "one", 1 ) ) );
		Path image = crash();
		// as an earlier version left them: the umask's permissions
		Files.setPosixFilePermissions( image, PosixFilePermissions.fromString( "rwxr-xr-x" ) );
		for ( Path file : files( image ) ) {
			Files.setPosixFilePermissions( file, PosixFilePermissions.fromString( "rw-r--r--" ) );
		}
		EntityManagerFactory restarted;
		List<String> lines;
		try ( LogCapture logs = LogCapture.start( Level.INFO, "io.writebehind" ) ) {
			restarted = restart( image );
			lines = logs.lines();
		}
		try {
			assertEquals( "one", fromTransaction( restarted, em -> em.find( JournalItem.class, 1L ).name ) );
			for ( Path file : files( image ) ) {
				assertEquals( "rw-------", permissions( file ), file.toString() );
			}
			String warning = lines.stream().filter( l -> l.startsWith( "WB000381: " ) ).findFirst().orElseThrow();
			assertTrue( warning.contains( image + " (hibernate.writebehind.journal.dir) is readable by other users "
					+ "(permissions rwxr-xr-x)" ) && warning.contains( "chmod 700" ), warning );
		}
		finally {
			restarted.close();
		}
	}

	@Test
	void hostileSegmentsAtStart() throws IOException {
		for ( long id = 1; id <= 3; id++ ) {
			long i = id;
			inTransaction( em -> em.persist( new JournalItem( i, "item " + i, i ) ) );
		}
		Path image = crash();
		Path segment = files( image ).stream().filter( f -> f.getFileName().toString().startsWith( "segment-" ) )
				.reduce( (a, b) -> b ).orElseThrow();
		byte[] original = Files.readAllBytes( segment );

		// a huge declared record in the middle: refused, nothing allocated for it
		byte[] huge = original.clone();
		ByteBuffer.wrap( huge ).putInt( 8, Integer.MAX_VALUE - 17 );
		Files.write( segment, huge );
		String message = messages( assertThrows( RuntimeException.class, () -> restart( image ) ) );
		assertTrue( message.contains( "Corrupt journal record in " + segment + " at offset 8 (impossible length" )
				&& message.contains( "Refusing to start" ), message );

		// a record with a good CRC whose payload declares a value of 2 GB: refused as unreadable, file and offset named
		byte[] hostile = original.clone();
		int length = ByteBuffer.wrap( hostile ).getInt( 8 );
		ByteBuffer.wrap( hostile ).putInt( 8 + 17, Integer.MAX_VALUE ); // the schema's entity name length
		fixCrc( hostile, 8, length );
		Files.write( segment, hostile );
		message = messages( assertThrows( RuntimeException.class, () -> restart( image ) ) );
		assertTrue( message.contains( "Journal record 1 in " + segment + " at offset 8 cannot be read" )
				&& message.contains( "declares a value of 2147483647 byte(s)" ), message );

		// random bytes: not a journal segment
		byte[] random = new byte[original.length];
		new Random( 19 ).nextBytes( random );
		Files.write( segment, random );
		message = messages( assertThrows( RuntimeException.class, () -> restart( image ) ) );
		assertTrue( message.contains( "not a write-behind journal segment (bad magic)" ), message );

		// a truncated tail: cut off, the records before it replayed
		Files.write( segment, Arrays.copyOf( original, original.length - 5 ) );
		EntityManagerFactory restarted = restart( image );
		try {
			assertEquals( "item 2", fromTransaction( restarted, em -> em.find( JournalItem.class, 2L ).name ) );
			assertNull( fromTransaction( restarted, em -> em.find( JournalItem.class, 3L ) ), "its record was torn" );
		}
		finally {
			restarted.close();
		}
	}

	/** One recorded record of a journal. */
	private record Seen(long seq, byte type, byte[] payload) {
		@Override
		public boolean equals(Object o) {
			return o instanceof Seen s && s.seq == seq && s.type == type && Arrays.equals( s.payload, payload );
		}

		@Override
		public int hashCode() {
			return Long.hashCode( seq );
		}
	}

	@Test
	void fuzzedJournalsEitherReplayAPrefixOrRefuse() throws IOException {
		Random random = new Random( 0x19_04L );
		for ( long id = 1; id <= 60; id++ ) {
			long i = id;
			inTransaction( em -> {
				JournalItem item = new JournalItem( i, "item " + i, i );
				item.price = java.math.BigDecimal.valueOf( i, 2 );
				item.token = new UUID( i, i );
				item.kind = JournalItem.Kind.values()[(int) ( i % 2 )];
				item.data = new byte[] { (byte) i };
				item.place = new JournalItem.Place( "Lyon", (int) i );
				em.persist( item );
			} );
			if ( id == 30 ) {
				writeBehind().flush(); // WRITTEN records
			}
		}
		Path image = crash();
		List<Path> segments = files( image ).stream().filter( f -> f.getFileName().toString().startsWith( "segment-" ) )
				.toList();
		assertTrue( segments.size() >= 3, "several segments: " + segments );
		List<Seen> all = read( copy( image ) );
		assertTrue( all.size() > 60, "records: " + all.size() );

		SessionFactoryImplementor factory = emf.unwrap( SessionFactory.class ).unwrap( SessionFactoryImplementor.class );
		WriteBehindRuntime runtime = WriteBehindRuntime.of( factory );
		int inputs = 1_500;
		int prefixes = 0;
		int refusals = 0;
		long slowest = 0;
		for ( int i = 0; i < inputs; i++ ) {
			Path dir = copy( image );
			Path target = segments.get( random.nextInt( segments.size() ) ).getFileName();
			boolean crcFixed = mutate( random, dir.resolve( target ), i );
			Path second = copy( dir );
			long start = System.nanoTime();
			try {
				List<Seen> seen = read( dir );
				if ( !crcFixed ) {
					assertEquals( all.subList( 0, seen.size() ), seen, "input " + i + ": a prefix of the records" );
				}
				prefixes++;
			}
			catch (JournalException e) {
				assertTrue( e.getMessage().contains( dir.toString() ), "input " + i + ": the error names the journal: "
						+ e.getMessage() );
				refusals++;
			}
			// the whole replay, through the codec, into the regions of this test's factory (whose database is down
			// at the end, so nothing replayed reaches it)
			JournalConfig config = JournalConfig.from( Map.of( WriteBehindSettings.JOURNAL_DIR, second.toString(),
					WriteBehindSettings.JOURNAL_FSYNC, "NEVER" ) );
			try {
				JournalSupport support = JournalSupport.start( factory, config, "[fuzz] ", "fuzz", runtime::regionOf,
						List::of );
				support.close();
			}
			catch (JournalException e) {
				assertTrue( e.getMessage().contains( second.toString() ), "input " + i + ": the error names the journal: "
						+ e.getMessage() );
			}
			slowest = Math.max( slowest, System.nanoTime() - start );
			delete( dir );
			delete( second );
		}
		System.out.printf( "JournalSecurityTest: %d inputs, %d read a prefix, %d refused, slowest %.1f ms%n", inputs,
				prefixes, refusals, slowest / 1e6 );
		assertTrue( prefixes > 0 && refusals > 0 );
		connections.down( true );
	}

	/** Mutates one segment; whether the mutation kept every CRC valid (then the records are not a prefix). */
	private static boolean mutate(Random random, Path file, int i) throws IOException {
		byte[] bytes = Files.readAllBytes( file );
		ByteBuffer buffer = ByteBuffer.wrap( bytes );
		List<Integer> offsets = recordOffsets( bytes );
		int record = offsets.isEmpty() ? 8 : offsets.get( random.nextInt( offsets.size() ) );
		switch ( i % 8 ) {
			case 0 -> { // flipped bytes
				for ( int n = 1 + random.nextInt( 8 ); n > 0; n-- ) {
					bytes[random.nextInt( bytes.length )] ^= (byte) ( 1 + random.nextInt( 255 ) );
				}
			}
			case 1 -> { // truncated
				Files.write( file, Arrays.copyOf( bytes, random.nextInt( bytes.length ) ) );
				return false;
			}
			case 2 -> buffer.putInt( record, random.nextInt() ); // a bogus length
			case 3 -> buffer.putInt( record, random.nextBoolean() ? Integer.MAX_VALUE : 256 * 1024 * 1024 ); // huge
			case 4 -> { // random bytes after a random point
				byte[] noise = new byte[bytes.length - record];
				random.nextBytes( noise );
				System.arraycopy( noise, 0, bytes, record, noise.length );
			}
			case 5 -> { // garbage appended
				byte[] noise = new byte[1 + random.nextInt( 100 )];
				random.nextBytes( noise );
				Files.write( file, noise, java.nio.file.StandardOpenOption.APPEND );
				return false;
			}
			default -> { // a payload changed and its CRC fixed: hostile, not torn
				if ( offsets.isEmpty() ) {
					return false;
				}
				int length = buffer.getInt( record );
				for ( int n = 1 + random.nextInt( 4 ); n > 0 && length > 0; n-- ) {
					int at = record + 17 + random.nextInt( length );
					bytes[at] = random.nextInt( 3 ) == 0 ? (byte) 0x7F : (byte) random.nextInt( 256 );
				}
				if ( length >= 4 && random.nextBoolean() ) {
					buffer.putInt( record + 17 + random.nextInt( length - 3 ), random.nextBoolean() ? Integer.MAX_VALUE
							: random.nextInt( 1_000_000 ) - 1_000 );
				}
				fixCrc( bytes, record, length );
				Files.write( file, bytes );
				return true;
			}
		}
		Files.write( file, bytes );
		return false;
	}

	private static List<Integer> recordOffsets(byte[] bytes) {
		List<Integer> offsets = new ArrayList<>();
		ByteBuffer buffer = ByteBuffer.wrap( bytes );
		int pos = 8;
		while ( pos + 17 <= bytes.length ) {
			offsets.add( pos );
			pos += 17 + buffer.getInt( pos );
		}
		return offsets;
	}

	private static void fixCrc(byte[] bytes, int record, int length) {
		CRC32C crc = new CRC32C();
		crc.update( bytes, record + 8, 9 + length );
		ByteBuffer.wrap( bytes ).putInt( record + 4, (int) crc.getValue() );
	}

	private static List<Seen> read(Path dir) {
		List<Seen> seen = new ArrayList<>();
		Journal journal = Journal.open( dir, JournalFsync.NEVER, 1 << 20, "[fuzz] ", record -> {
			byte[] payload = new byte[record.payload().remaining()];
			record.payload().duplicate().get( payload );
			seen.add( new Seen( record.seq(), record.type(), payload ) );
		} );
		journal.close();
		return seen;
	}

	private Path copy(Path from) throws IOException {
		Path to = temp.resolve( "copy-" + UUID.randomUUID() );
		Files.createDirectory( to, PosixFilePermissions.asFileAttribute( PosixFilePermissions.fromString( "rwx------" ) ) );
		for ( Path file : files( from ) ) {
			if ( file.getFileName().toString().startsWith( "segment-" ) ) {
				Files.copy( file, to.resolve( file.getFileName() ) );
			}
		}
		return to;
	}

	private static void delete(Path dir) throws IOException {
		for ( Path file : files( dir ) ) {
			Files.delete( file );
		}
		Files.delete( dir );
	}

	/** Copies the journal as it is now (what a kill -9 leaves), then ends the factory without writing anything more. */
	private Path crash() throws IOException {
		Path image = copy( journalDir() );
		connections.down( true );
		emf.close();
		connections.down( false );
		emf = buildFactory( connections, Map.of( WriteBehindSettings.JOURNAL_DIR, temp.resolve( "other" ).toString() ) );
		return image;
	}

	private EntityManagerFactory restart(Path journal) {
		Map<String, Object> settings = new HashMap<>();
		settings.put( WriteBehindSettings.JOURNAL_DIR, journal.toString() );
		settings.put( "hibernate.hbm2ddl.auto", "none" );
		return buildFactory( new io.writebehind.testing.CountingConnectionProvider( schema, true ), settings );
	}

	private static String messages(Throwable e) {
		StringBuilder text = new StringBuilder();
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			text.append( t.getMessage() ).append( " | " );
		}
		return text.toString();
	}

	private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			if ( type.isInstance( t ) ) {
				return true;
			}
		}
		return false;
	}
}
