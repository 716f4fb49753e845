package io.writebehind.journal;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.hibernate.SessionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.jpa.HibernatePersistenceConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.writebehind.FailedWrite;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.config.WriteBehindConfig;
import io.writebehind.internal.journal.StateCodec;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.testing.Await;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.CacheStoreMode;
import jakarta.persistence.EntityManagerFactory;

/**
 * The journal in one JVM: a crash is played by copying the journal directory while the factory runs (the image a
 * kill -9 would leave), then closing that factory with the database down so that nothing more reaches it, and starting
 * a new factory on the copy.
 */
class JournalTest extends WriteBehindTestBase {

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
		properties.put( WriteBehindSettings.SHUTDOWN_TIMEOUT_MS, "300" );
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "10" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "50" );
	}

	/** Copies the journal as it is now (what a kill -9 leaves), then ends the factory without writing anything more. */
	private Path crash() throws IOException {
		Path image = temp.resolve( "image-" + UUID.randomUUID() );
		Files.createDirectories( image );
		try ( Stream<Path> files = Files.list( journalDir() ) ) {
			for ( Path file : files.toList() ) {
				Files.copy( file, image.resolve( file.getFileName() ) );
			}
		}
		connections.down( true );
		emf.close();
		connections.down( false );
		return image;
	}

	private EntityManagerFactory restart(Path journal, Class<?> entity, String ddl) {
		CountingConnectionProvider provider = new CountingConnectionProvider( schema, true );
		Map<String, Object> properties = defaultProperties( provider );
		properties( properties );
		properties.put( WriteBehindSettings.JOURNAL_DIR, journal.toString() );
		properties.put( "hibernate.hbm2ddl.auto", ddl );
		HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "wb-journal" );
		configuration.managedClass( entity );
		properties.forEach( configuration::property );
		return configuration.createEntityManagerFactory();
	}

	private static JournalItem item(long id) {
		JournalItem item = new JournalItem( id, "item " + id, id );
		item.price = new BigDecimal( "12.50" ).add( BigDecimal.valueOf( id ) );
		item.at = Instant.parse( "2026-01-02T03:04:05.123456Z" );
		item.token = new UUID( id, 42 );
		item.kind = id % 2 == 0 ? JournalItem.Kind.SMALL : JournalItem.Kind.LARGE;
		item.data = new byte[] { 1, 2, (byte) id };
		item.place = new JournalItem.Place( "Lyon", (int) id );
		return item;
	}

	@Test
	void acknowledgedWritesAreReplayedAfterACrashAndWhatHadAppliedIsNotWrittenAgain() throws IOException {
		for ( long id = 1; id <= 20; id++ ) {
			long i = id;
			inTransaction( em -> em.persist( item( i ) ) );
		}
		writeBehind().flush();
		for ( long id = 1; id <= 10; id++ ) {
			long i = id;
			inTransaction( em -> em.find( JournalItem.class, i ).total += 100 );
		}
		inTransaction( em -> {
			for ( long id = 11; id <= 15; id++ ) {
				em.remove( em.find( JournalItem.class, id ) );
			}
			for ( long id = 21; id <= 25; id++ ) {
				em.persist( item( id ) );
			}
		} );
		Path image = crash();
		assertEquals( 20, count( "select count(*) from wb_journal_item" ) );
		assertEquals( 0, count( "select count(*) from wb_journal_item where total > 100" ) );

		EntityManagerFactory restarted = restart( image, JournalItem.class, "none" );
		try {
			WriteBehind wb = WriteBehind.of( restarted );
			// read from the replayed pending write, before the database has it
			assertEquals( 103L, (long) fromTransaction( restarted, em -> em.find( JournalItem.class, 3L ).total ) );
			assertNull( fromTransaction( restarted, em -> em.find( JournalItem.class, 12L ) ) );
			assertTrue( wb.flush( java.time.Duration.ofSeconds( 30 ) ) );
			assertEquals( List.of(), wb.failedWrites() );
			assertEquals( 20, wb.stats().flushed(), "10 updates, 5 deletes, 5 inserts; ids 16-20 had applied" );
		}
		finally {
			restarted.close();
		}
		assertEquals( 20, count( "select count(*) from wb_journal_item" ) );
		assertEquals( 10, count( "select count(*) from wb_journal_item where id <= 10 and total = id + 100 and version = 1" ) );
		assertEquals( 0, count( "select count(*) from wb_journal_item where id between 11 and 15" ) );
		assertEquals( 10, count( "select count(*) from wb_journal_item where id > 15 and total = id and version = 0" ) );
		// every kind of value came back through the journal
		jdbc( c -> {
			try ( PreparedStatement ps = c.prepareStatement( "select price, token, kind, data, city, zip, name from "
					+ "wb_journal_item where id = 23" ); ResultSet rs = ps.executeQuery() ) {
				assertTrue( rs.next() );
				assertEquals( 0, new BigDecimal( "35.50" ).compareTo( rs.getBigDecimal( 1 ) ) );
				assertEquals( new UUID( 23, 42 ), rs.getObject( 2, UUID.class ) );
				assertEquals( "LARGE", rs.getString( 3 ) );
				assertArrayEquals( new byte[] { 1, 2, 23 }, rs.getBytes( 4 ) );
				assertEquals( "Lyon", rs.getString( 5 ) );
				assertEquals( 23, rs.getInt( 6 ) );
				assertEquals( "item 23", rs.getString( 7 ) );
				return null;
			}
		} );
	}

	/**
	 * A transaction committed with JPA's {@code CacheStoreMode.BYPASS} leaves no clean entry of its writes once they
	 * are written; a write replayed from the journal after a crash keeps that: the store mode is journaled with it (the
	 * latest commit of an id decides, as without a restart).
	 */
	@Test
	void aReplayedWriteKeepsTheCacheStoreModeOfItsCommit() throws IOException {
		inTransaction( em -> em.persist( item( 1 ) ) );
		inTransaction( em -> {
			em.setCacheStoreMode( CacheStoreMode.BYPASS );
			em.persist( item( 2 ) );
		} );
		inTransaction( em -> em.persist( item( 3 ) ) );
		inTransaction( em -> {
			em.setCacheStoreMode( CacheStoreMode.BYPASS );
			em.find( JournalItem.class, 3L ).total = 33;
		} );
		inTransaction( em -> {
			em.setCacheStoreMode( CacheStoreMode.BYPASS );
			em.persist( item( 4 ) );
		} );
		inTransaction( em -> em.find( JournalItem.class, 4L ).total = 44 );
		Path image = crash();
		assertEquals( 0, count( "select count(*) from wb_journal_item" ) );

		EntityManagerFactory restarted = restart( image, JournalItem.class, "none" );
		try {
			assertTrue( WriteBehind.of( restarted ).flush( Duration.ofSeconds( 30 ) ) );
			assertEquals( List.of(), WriteBehind.of( restarted ).failedWrites() );
			EntityRegion region = WriteBehindRuntime.of( restarted.unwrap( SessionFactory.class ) )
					.regionOf( JournalItem.class.getName() );
			assertNotNull( region.lookup( 1L ), "committed storing into the cache: cached once written" );
			assertNull( region.lookup( 2L ), "committed with CacheStoreMode.BYPASS: not cached once written" );
			assertNull( region.lookup( 3L ), "its latest commit bypassed the cache" );
			assertNotNull( region.lookup( 4L ), "its latest commit stored into the cache" );
		}
		finally {
			restarted.close();
		}
		assertEquals( 4, count( "select count(*) from wb_journal_item" ) );
		assertEquals( 1, count( "select count(*) from wb_journal_item where id = 3 and total = 33" ) );
		assertEquals( 1, count( "select count(*) from wb_journal_item where id = 4 and total = 44" ) );
	}

	/**
	 * A journal written before the store mode was journaled (write format 1: the same writes without that flag) is
	 * still read: its writes are cached once written, as they were by the version that wrote it.
	 */
	@Test
	void aJournalOfWriteFormatOneIsStillRead() {
		SessionFactoryImplementor factory = emf.unwrap( SessionFactoryImplementor.class );
		StateCodec codec = new StateCodec( factory );
		String entity = JournalItem.class.getName();
		inTransaction( em -> em.persist( item( 7 ) ) );
		EntitySnapshot snapshot = WriteBehindRuntime.of( factory ).regionOf( entity ).lookup( 7L );
		assertNotNull( snapshot );
		byte[] format2 = fromTransaction( em -> codec.encode( List.of( new StateCodec.JournalWrite( entity, 7L,
				snapshot, false, null, null, false ) ), em.unwrap( SharedSessionContractImplementor.class ) ) );
		// format 2: format, count, JPA name, id (a tag and a long), deleted, lowExists, then the store-mode flag
		String jpaName = factory.getMappingMetamodel().getEntityDescriptor( entity ).getJpaEntityName();
		int flag = 4 + 4 + 4 + jpaName.getBytes( java.nio.charset.StandardCharsets.UTF_8 ).length + 1 + 8 + 1 + 1;
		assertEquals( 0, format2[flag], "the flag of a write committed with BYPASS" );
		ByteBuffer format1 = ByteBuffer.allocate( format2.length - 1 );
		format1.put( format2, 0, flag ).put( format2, flag + 1, format2.length - flag - 1 ).flip();
		format1.putInt( 0, 1 );
		Map<String, StateCodec.Schema> schemas = Map.of( jpaName, codec.currentSchema( entity ) );
		for ( ByteBuffer payload : new ByteBuffer[] { format1, ByteBuffer.wrap( format2 ) } ) {
			List<StateCodec.JournalWrite> writes = fromTransaction( em -> codec.decode( payload, schemas,
					em.unwrap( SharedSessionContractImplementor.class ), "test" ) );
			assertEquals( 1, writes.size() );
			StateCodec.JournalWrite write = writes.get( 0 );
			assertEquals( 7L, write.id() );
			assertEquals( payload == format1, write.cacheWhenWritten(), "format 1: cached; format 2: as journaled" );
			assertTrue( java.util.Arrays.deepEquals( snapshot.entry().getDisassembledState(),
					write.snapshot().entry().getDisassembledState() ), "the state read back" );
		}
	}

	/**
	 * A journaled write that reached the database before the crash, and whose row was changed since (by another node,
	 * by SQL), is not replayed: the flusher noted it as written in the journal. Without that note the restart could
	 * only compare versions, and would report a conflict for a write that had applied.
	 */
	@Test
	void aWriteThatReachedTheDatabaseBeforeTheCrashIsNotReplayedEvenIfItsRowChangedSince() throws IOException {
		inTransaction( em -> em.persist( item( 1 ) ) );
		inTransaction( em -> em.persist( item( 2 ) ) );
		writeBehind().flush();
		inTransaction( em -> em.find( JournalItem.class, 1L ).total = 5 );
		writeBehind().flush(); // id 1 at version 1 in the database, and noted as written
		inTransaction( em -> em.find( JournalItem.class, 2L ).total = 6 ); // pending at the crash
		Path image = crash();
		update( "update wb_journal_item set version = 7, total = 99 where id = 1" );
		EntityManagerFactory restarted = restart( image, JournalItem.class, "none" );
		try {
			WriteBehind wb = WriteBehind.of( restarted );
			assertTrue( wb.flush( java.time.Duration.ofSeconds( 30 ) ) );
			assertEquals( List.of(), wb.failedWrites() );
			assertEquals( 0, wb.stats().conflicts() );
			assertEquals( 1, wb.stats().flushed(), "only id 2's update was replayed" );
		}
		finally {
			restarted.close();
		}
		assertEquals( 1, count( "select count(*) from wb_journal_item where id = 1 and total = 99 and version = 7" ) );
		assertEquals( 1, count( "select count(*) from wb_journal_item where id = 2 and total = 6 and version = 1" ) );
	}

	@Test
	void aReplayedWriteWhoseRowChangedMeanwhileIsAConflict() throws IOException {
		inTransaction( em -> em.persist( item( 1 ) ) );
		writeBehind().flush();
		inTransaction( em -> em.find( JournalItem.class, 1L ).total = 5 );
		Path image = crash();
		update( "update wb_journal_item set version = 7, total = 99 where id = 1" );
		EntityManagerFactory restarted = restart( image, JournalItem.class, "none" );
		try {
			WriteBehind wb = WriteBehind.of( restarted );
			assertTrue( wb.flush( java.time.Duration.ofSeconds( 30 ) ) );
			List<FailedWrite> failed = wb.failedWrites();
			assertEquals( 1, failed.size(), failed.toString() );
			assertEquals( FailedWrite.Reason.CONFLICT, failed.get( 0 ).reason() );
			assertEquals( 1L, failed.get( 0 ).id() );
		}
		finally {
			restarted.close();
		}
		assertEquals( 1, count( "select count(*) from wb_journal_item where total = 99 and version = 7" ) );
	}

	@Test
	void aTornTailIsCutOffAndTheRecordsBeforeItAreReplayed() throws IOException {
		for ( long id = 1; id <= 3; id++ ) {
			long i = id;
			inTransaction( em -> em.persist( item( i ) ) );
		}
		Path image = crash();
		Path segment = lastSegment( image );
		long size = Files.size( segment );
		// half a record: a header that promises more bytes than the file has
		Files.write( segment, ByteBuffer.allocate( 12 ).putInt( 500 ).putInt( 123 ).putInt( 0 ).array(),
				StandardOpenOption.APPEND );
		EntityManagerFactory restarted = restart( image, JournalItem.class, "none" );
		try {
			assertEquals( size, Files.size( segment ), "the torn tail was cut off" );
			assertTrue( WriteBehind.of( restarted ).flush( java.time.Duration.ofSeconds( 30 ) ) );
		}
		finally {
			restarted.close();
		}
		assertEquals( 3, count( "select count(*) from wb_journal_item" ) );
	}

	@Test
	void aCorruptRecordInTheMiddleRefusesToStartNamingFileAndOffset() throws IOException {
		for ( long id = 1; id <= 3; id++ ) {
			long i = id;
			inTransaction( em -> em.persist( item( i ) ) );
		}
		Path image = crash();
		Path segment = lastSegment( image );
		// the first record (the entity's schema) starts at offset 8: damage a byte of its payload
		try ( FileChannel channel = FileChannel.open( segment, StandardOpenOption.READ, StandardOpenOption.WRITE ) ) {
			ByteBuffer b = ByteBuffer.allocate( 1 );
			channel.read( b, 30 );
			b.flip();
			byte value = b.get();
			channel.write( ByteBuffer.wrap( new byte[] { (byte) ( value ^ 0x5A ) } ), 30 );
		}
		RuntimeException e = assertThrows( RuntimeException.class, () -> restart( image, JournalItem.class, "none" ) );
		String message = messages( e );
		assertTrue( message.contains( "Corrupt journal record in " + segment ) && message.contains( "at offset 8" )
				&& message.contains( "CRC32C mismatch" ) && message.contains( "Refusing to start" ), message );
	}

	@Test
	void aJournalWrittenBeforeACompatibleSchemaChangeIsReplayedByPropertyName() throws IOException {
		for ( long id = 1; id <= 3; id++ ) {
			long i = id;
			inTransaction( em -> em.persist( item( i ) ) );
		}
		Path image = crash();
		EntityManagerFactory restarted = restart( image, JournalItemAdded.class, "update" );
		try {
			assertEquals( "item 2", fromTransaction( restarted, em -> em.find( JournalItemAdded.class, 2L ).name ) );
			assertNull( fromTransaction( restarted, em -> em.find( JournalItemAdded.class, 2L ).note ) );
			assertTrue( WriteBehind.of( restarted ).flush( java.time.Duration.ofSeconds( 30 ) ) );
			assertEquals( List.of(), WriteBehind.of( restarted ).failedWrites() );
		}
		finally {
			restarted.close();
		}
		assertEquals( 3, count( "select count(*) from wb_journal_item where total = id and name = concat('item ', id) "
				+ "and note is null" ) );
	}

	@Test
	void aJournalWrittenBeforeAnIncompatibleSchemaChangeRefusesToStart() throws IOException {
		inTransaction( em -> em.persist( item( 1 ) ) );
		Path image = crash();
		RuntimeException e = assertThrows( RuntimeException.class,
				() -> restart( image, JournalItemRetyped.class, "create" ) );
		String message = messages( e );
		assertTrue( message.contains( "property JournalItem.total was journaled as java.lang.Long but is mapped as "
				+ "java.lang.String now" ), message );
	}

	@Test
	void segmentsAreDeletedOnceTheirWritesReachedTheDatabase() throws Exception {
		emf.close();
		emf = buildFactory( connections, Map.of( WriteBehindSettings.JOURNAL_SEGMENT_BYTES, "4096",
				WriteBehindSettings.JOURNAL_CHECKPOINT_INTERVAL_MS, "20", "hibernate.hbm2ddl.auto", "none",
				WriteBehindSettings.JOURNAL_DIR, temp.resolve( "small" ).toString() ) );
		for ( long id = 1; id <= 100; id++ ) {
			long i = id;
			inTransaction( em -> em.persist( item( i ) ) );
		}
		assertTrue( segments( temp.resolve( "small" ) ) > 3 );
		writeBehind().flush();
		Await.until( Duration.ofSeconds( 10 ), "the segments written are deleted",
				() -> segments( temp.resolve( "small" ) ) <= 1 );
		assertEquals( 1, segments( temp.resolve( "small" ) ), "only the current segment is left" );
		assertEquals( 100, count( "select count(*) from wb_journal_item" ) );
	}

	@Test
	void aJournalDirectoryServesOneFactoryAtATime() {
		RuntimeException e = assertThrows( RuntimeException.class, () -> restart( journalDir(), JournalItem.class, "none" ) );
		assertTrue( messages( e ).contains( "The journal directory " + journalDir().toAbsolutePath()
				+ " is in use by another EntityManagerFactory" ), messages( e ) );
	}

	@Test
	void journalSettingsAreValidated() throws IOException {
		Path file = Files.createFile( temp.resolve( "a-file" ) );
		WriteBehindConfigurationException e = assertThrows( WriteBehindConfigurationException.class,
				() -> WriteBehindConfig.from( Map.of( WriteBehindSettings.JOURNAL_DIR, file.toString() ) ) );
		assertEquals( WriteBehindSettings.JOURNAL_DIR + " was '" + file + "', which is a file, not a directory",
				e.getMessage() );
		e = assertThrows( WriteBehindConfigurationException.class,
				() -> WriteBehindConfig.from( Map.of( WriteBehindSettings.JOURNAL_FSYNC, "sometimes" ) ) );
		assertEquals( WriteBehindSettings.JOURNAL_FSYNC + " was 'sometimes', must be ALWAYS, INTERVAL or NEVER",
				e.getMessage() );
		e = assertThrows( WriteBehindConfigurationException.class,
				() -> WriteBehindConfig.from( Map.of( WriteBehindSettings.JOURNAL_FSYNC_INTERVAL_MS, "0" ) ) );
		assertEquals( WriteBehindSettings.JOURNAL_FSYNC_INTERVAL_MS + " was 0, must be >= 1", e.getMessage() );
		Map<String, Object> ok = new HashMap<>();
		ok.put( WriteBehindSettings.JOURNAL_DIR, temp.resolve( "new/dir" ).toString() );
		ok.put( WriteBehindSettings.JOURNAL_FSYNC, "interval" );
		assertTrue( WriteBehindConfig.from( ok ).journal.enabled() );
		assertTrue( Files.isDirectory( temp.resolve( "new/dir" ) ) );
	}

	private static long segments(Path dir) {
		try ( Stream<Path> files = Files.list( dir ) ) {
			return files.filter( p -> p.getFileName().toString().endsWith( ".wbj" ) ).count();
		}
		catch (IOException e) {
			throw new UncheckedIOException( e );
		}
	}

	private static Path lastSegment(Path dir) throws IOException {
		try ( Stream<Path> files = Files.list( dir ) ) {
			return files.filter( p -> p.getFileName().toString().endsWith( ".wbj" ) ).sorted().reduce( (a, b) -> b )
					.orElseThrow();
		}
	}

	private static String messages(Throwable e) {
		StringBuilder b = new StringBuilder();
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			b.append( t.getMessage() ).append( "\n" );
		}
		return b.toString();
	}
}
