package io.writebehind.internal.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Function;
import java.util.zip.CRC32C;


import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.internal.common.WriteBehindLogger;

/**
 * An append-only log of segment files ({@code segment-<first sequence>.wbj}) in one directory. Each segment starts
 * with an 8-byte header (magic {@code WBJ1}, format version); then records:
 *
 * <pre>
 * int    length of the payload
 * int    CRC32C of sequence, type and payload
 * long   sequence number (consecutive over all segments)
 * byte   type: 1 = schema of an entity (valid for the rest of its segment), 2 = the writes of one transaction
 * byte[] payload
 * </pre>
 *
 * A record that does not check out at the end of the last segment is a torn write of a crash: it is cut off and
 * logged. One that does not check out anywhere else (a valid record follows it, or it is in an older segment) stops
 * the start with the file and offset named. Thread-safe: appends are serialized by this object's monitor; forcing to
 * disk runs outside it (group commit: concurrent commits share one force).
 */
public final class Journal implements AutoCloseable {

	private static final WriteBehindLogger MESSAGES = WriteBehindLogger.of( Journal.class );

	public static final byte SCHEMA = 1;
	public static final byte TRANSACTION = 2;
	/**
	 * Which writes of earlier transaction records reached the database (pairs of record sequence and position in the
	 * record): a restart does not replay them. Appended after each flush transaction, not forced to disk by itself.
	 */
	public static final byte WRITTEN = 3;
	static final int MAGIC = 0x57424A31;
	static final int FORMAT_VERSION = 1;
	static final int SEGMENT_HEADER = 8;
	static final int RECORD_HEADER = 17;
	static final int MAX_RECORD = 256 * 1024 * 1024;

	/** A record read back at start-up. */
	public record Record(long seq, byte type, ByteBuffer payload, Path file, long offset) {
	}

	private static final class Segment {
		final Path file;
		final long firstSeq;
		long lastSeq;

		Segment(Path file, long firstSeq, long lastSeq) {
			this.file = file;
			this.firstSeq = firstSeq;
			this.lastSeq = lastSeq;
		}
	}

	private final Path dir;
	private final JournalFsync fsync;
	private final long segmentBytes;
	private final String logPrefix;
	private final TreeMap<Long, Segment> segments = new TreeMap<>();
	private final ConcurrentSkipListSet<Long> unpublished = new ConcurrentSkipListSet<>();

	// guarded by this
	private Segment current;
	private FileChannel channel;
	private long currentSize;
	private long nextSeq = 1;
	private long writtenUpTo;
	private final Set<String> schemasInSegment = new HashSet<>();
	private boolean closed;

	// guarded by syncLock
	private final Object syncLock = new Object();
	private long syncedUpTo;
	private boolean syncing;

	private Journal(Path dir, JournalFsync fsync, long segmentBytes, String logPrefix) {
		this.dir = dir;
		this.fsync = fsync;
		this.segmentBytes = segmentBytes;
		this.logPrefix = logPrefix;
	}

	/**
	 * Opens the journal in {@code dir} (created if missing), hands every record of the retained segments to
	 * {@code replay} in sequence order, and starts a new segment for appends.
	 */
	public static Journal open(Path dir, JournalFsync fsync, long segmentBytes, String logPrefix,
			java.util.function.Consumer<Record> replay) {
		Journal journal = new Journal( dir, fsync, segmentBytes, logPrefix );
		try {
			JournalFiles.prepareDirectory( dir );
			java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions = JournalFiles.permissions( dir );
			if ( permissions == null ) {
				MESSAGES.journalWithoutPosixPermissions( logPrefix, dir );
			}
			else if ( JournalFiles.readableByOthers( permissions ) ) {
				MESSAGES.journalDirectoryReadable( logPrefix, dir,
						java.nio.file.attribute.PosixFilePermissions.toString( permissions ) );
			}
			journal.lock();
			journal.readAll( replay );
			synchronized ( journal ) {
				journal.startSegment();
			}
		}
		catch (IOException | RuntimeException e) {
			journal.unlock();
			if ( e instanceof JournalException je ) {
				throw je;
			}
			if ( e instanceof WriteBehindConfigurationException ce ) {
				throw ce;
			}
			throw new JournalException( logPrefix + "Cannot open the journal in " + dir + ": " + e, e );
		}
		return journal;
	}

	private FileChannel lockChannel;
	private java.nio.channels.FileLock lock;

	/** One process, one factory per journal directory: a lock file (released by the OS when the process dies). */
	private void lock() throws IOException {
		lockChannel = JournalFiles.open( dir.resolve( "lock" ), Set.of( StandardOpenOption.CREATE, StandardOpenOption.WRITE ) );
		try {
			lock = lockChannel.tryLock();
		}
		catch (java.nio.channels.OverlappingFileLockException e) {
			lock = null;
		}
		if ( lock == null ) {
			lockChannel.close();
			throw new JournalException( logPrefix + "The journal directory " + dir + " is in use by another "
					+ "EntityManagerFactory (in this or another process): every persistence unit needs a journal.dir "
					+ "of its own" );
		}
	}

	private void unlock() {
		try {
			if ( lock != null ) {
				lock.release();
			}
			if ( lockChannel != null ) {
				lockChannel.close();
			}
		}
		catch (IOException e) {
			MESSAGES.journalLockNotReleased( logPrefix, e );
		}
	}

	// ------------------------------------------------------------------------------------------------ reading

	private void readAll(java.util.function.Consumer<Record> replay) throws IOException {
		TreeMap<Long, Path> files = new TreeMap<>();
		try ( DirectoryStream<Path> stream = Files.newDirectoryStream( dir, "segment-*.wbj" ) ) {
			for ( Path file : stream ) {
				String name = file.getFileName().toString();
				try {
					files.put( Long.parseLong( name.substring( "segment-".length(), name.length() - ".wbj".length() ) ), file );
				}
				catch (NumberFormatException e) {
					throw new JournalException( logPrefix + "Unexpected file " + file + " in the journal directory" );
				}
			}
		}
		long expected = -1;
		int index = 0;
		for ( Map.Entry<Long, Path> entry : files.entrySet() ) {
			boolean last = ++index == files.size();
			long firstSeq = entry.getKey();
			Path file = entry.getValue();
			if ( expected != -1 && firstSeq != expected ) {
				throw new JournalException( logPrefix + "The journal segment " + file + " starts at sequence " + firstSeq
						+ " but the previous segment ends at " + ( expected - 1 ) + ": a segment is missing or damaged; "
						+ "refusing to start (the journal holds committed writes; move the directory away only if you "
						+ "accept losing them)" );
			}
			long lastSeq = readSegment( file, firstSeq, last, replay );
			segments.put( firstSeq, new Segment( file, firstSeq, lastSeq ) );
			expected = lastSeq + 1;
			nextSeq = expected;
		}
		writtenUpTo = nextSeq - 1;
		syncedUpTo = writtenUpTo;
	}

	private long readSegment(Path file, long firstSeq, boolean last, java.util.function.Consumer<Record> replay)
			throws IOException {
		ByteBuffer buffer;
		JournalFiles.restrict( file ); // segments of earlier versions were created with the umask's permissions
		try ( FileChannel in = FileChannel.open( file, StandardOpenOption.READ ) ) {
			long size = in.size();
			if ( size > Integer.MAX_VALUE ) {
				throw new JournalException( logPrefix + "Journal segment " + file + " is too large (" + size + " bytes)" );
			}
			buffer = ByteBuffer.allocate( (int) size );
			while ( buffer.hasRemaining() && in.read( buffer ) >= 0 ) {
				// read all
			}
			buffer.flip();
		}
		int size = buffer.limit();
		if ( size < SEGMENT_HEADER || buffer.getInt( 0 ) != MAGIC ) {
			if ( last && size < SEGMENT_HEADER ) {
				MESSAGES.journalTornHeader( logPrefix, file, size );
				Files.delete( file );
				return firstSeq - 1;
			}
			throw new JournalException( logPrefix + "Journal segment " + file + " at offset 0: not a write-behind "
					+ "journal segment (bad magic); refusing to start" );
		}
		if ( buffer.getInt( 4 ) != FORMAT_VERSION ) {
			throw new JournalException( logPrefix + "Journal segment " + file + " has format version "
					+ buffer.getInt( 4 ) + ", this version reads " + FORMAT_VERSION + "; refusing to start" );
		}
		long seq = firstSeq - 1;
		int pos = SEGMENT_HEADER;
		while ( pos < size ) {
			String problem = checkRecord( buffer, pos, seq + 1 );
			if ( problem != null ) {
				if ( !last ) {
					throw corrupt( file, pos, problem, "it is not the last segment" );
				}
				int next = findValidRecord( buffer, pos + 1, seq );
				if ( next >= 0 ) {
					throw corrupt( file, pos, problem, "a valid record follows at offset " + next );
				}
				if ( next == SEARCH_ABANDONED ) {
					throw corrupt( file, pos, problem, "the rest of the file holds too many record-like headers to "
							+ "search it for a valid record in bounded time" );
				}
				MESSAGES.journalTornTail( logPrefix, file, pos, problem, size - pos, seq );
				try ( FileChannel out = FileChannel.open( file, StandardOpenOption.WRITE ) ) {
					out.truncate( pos );
					out.force( true );
				}
				break;
			}
			int length = buffer.getInt( pos );
			seq = buffer.getLong( pos + 8 );
			byte type = buffer.get( pos + 16 );
			ByteBuffer payload = buffer.slice( pos + RECORD_HEADER, length );
			replay.accept( new Record( seq, type, payload, file, pos ) );
			pos += RECORD_HEADER + length;
		}
		return seq;
	}

	private JournalException corrupt(Path file, int offset, String problem, String why) {
		return new JournalException( logPrefix + "Corrupt journal record in " + file + " at offset " + offset + " ("
				+ problem + "); " + why + ", so this is not a torn tail of a crash. Refusing to start: the journal "
				+ "holds committed writes that were not written to the database. Repair or move the file away only if "
				+ "you accept losing them." );
	}

	/** Null when the record at {@code pos} is whole and checks out, else what is wrong with it. */
	private static String checkRecord(ByteBuffer buffer, int pos, long expectedSeq) {
		int size = buffer.limit();
		if ( size - pos < RECORD_HEADER ) {
			return "incomplete record header";
		}
		int length = buffer.getInt( pos );
		if ( length < 0 || length > MAX_RECORD ) {
			return "impossible length " + length;
		}
		if ( (long) pos + RECORD_HEADER + length > size ) {
			return "record of " + length + " bytes runs past the end of the file";
		}
		if ( crc( buffer, pos, length ) != buffer.getInt( pos + 4 ) ) {
			return "CRC32C mismatch";
		}
		long seq = buffer.getLong( pos + 8 );
		if ( seq != expectedSeq ) {
			return "sequence " + seq + " where " + expectedSeq + " was expected";
		}
		byte type = buffer.get( pos + 16 );
		if ( type != SCHEMA && type != TRANSACTION && type != WRITTEN ) {
			return "unknown record type " + type;
		}
		return null;
	}

	/** {@link #findValidRecord}: the bytes after a bad record hold so many candidates that the search gave up. */
	static final int SEARCH_ABANDONED = -2;

	/**
	 * The offset of the first whole record with a good CRC after {@code from}, -1 if there is none, or
	 * {@link #SEARCH_ABANDONED} when checking the candidates would take more than a bounded amount of CRC work (a file
	 * crafted so that every offset looks like a record header would otherwise take time quadratic in its size).
	 */
	private static int findValidRecord(ByteBuffer buffer, int from, long lastGoodSeq) {
		int size = buffer.limit();
		long budget = 8L * size + ( 64L << 20 );
		for ( int p = from; p + RECORD_HEADER <= size; p++ ) {
			int length = buffer.getInt( p );
			if ( length < 0 || length > MAX_RECORD || (long) p + RECORD_HEADER + length > size ) {
				continue;
			}
			long seq = buffer.getLong( p + 8 );
			if ( seq <= lastGoodSeq || seq - lastGoodSeq > 100_000_000L ) {
				continue;
			}
			budget -= 9L + length;
			if ( budget < 0 ) {
				return SEARCH_ABANDONED;
			}
			if ( crc( buffer, p, length ) == buffer.getInt( p + 4 ) ) {
				return p;
			}
		}
		return -1;
	}

	private static int crc(ByteBuffer buffer, int pos, int length) {
		CRC32C crc = new CRC32C();
		crc.update( buffer.slice( pos + 8, 9 + length ) );
		return (int) crc.getValue();
	}

	// ------------------------------------------------------------------------------------------------ writing

	private void startSegment() throws IOException {
		Path file = dir.resolve( String.format( "segment-%020d.wbj", nextSeq ) );
		channel = JournalFiles.open( file, Set.of( StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
				StandardOpenOption.WRITE ) );
		ByteBuffer header = ByteBuffer.allocate( SEGMENT_HEADER ).putInt( MAGIC ).putInt( FORMAT_VERSION ).flip();
		while ( header.hasRemaining() ) {
			channel.write( header );
		}
		currentSize = SEGMENT_HEADER;
		current = new Segment( file, nextSeq, nextSeq - 1 );
		segments.put( current.firstSeq, current );
		schemasInSegment.clear();
		if ( fsync != JournalFsync.NEVER ) {
			channel.force( true );
			forceDirectory();
		}
	}

	private void forceDirectory() {
		try ( FileChannel d = FileChannel.open( dir, StandardOpenOption.READ ) ) {
			d.force( true );
		}
		catch (IOException | UnsupportedOperationException e) {
			// not supported on every platform (Windows): the file's data is forced all the same
		}
	}

	/**
	 * Appends the writes of one committed transaction, preceded by the schema records of entities not yet described in
	 * the current segment, and writes them to the operating system. Returns the transaction record's sequence number,
	 * which stays "unpublished" (see {@link #lowestUnpublished()}) until {@link #published(long)}.
	 */
	public long append(byte[] transaction, Collection<String> entityNames, Function<String, byte[]> schemaOf) {
		synchronized ( this ) {
			if ( closed ) {
				throw new JournalException( logPrefix + "The journal is closed" );
			}
			if ( transaction.length > MAX_RECORD ) {
				// a start would refuse it: fail the commit instead
				throw new JournalException( logPrefix + "The journal record of this transaction would be "
						+ transaction.length + " bytes, over the limit of " + MAX_RECORD + ": commit its writes in "
						+ "several smaller transactions" );
			}
			try {
				List<byte[]> schemas = new ArrayList<>();
				List<String> names = new ArrayList<>();
				long bytes = RECORD_HEADER + transaction.length;
				for ( String name : entityNames ) {
					if ( !schemasInSegment.contains( name ) && !names.contains( name ) ) {
						byte[] schema = schemaOf.apply( name );
						schemas.add( schema );
						names.add( name );
						bytes += RECORD_HEADER + schema.length;
					}
				}
				if ( currentSize + bytes > segmentBytes && currentSize > SEGMENT_HEADER ) {
					roll();
					return append( transaction, entityNames, schemaOf );
				}
				ByteBuffer out = ByteBuffer.allocate( (int) bytes );
				for ( byte[] schema : schemas ) {
					put( out, nextSeq++, SCHEMA, schema );
				}
				long seq = nextSeq++;
				put( out, seq, TRANSACTION, transaction );
				out.flip();
				while ( out.hasRemaining() ) {
					channel.write( out );
				}
				currentSize += bytes;
				schemasInSegment.addAll( names );
				writtenUpTo = seq;
				current.lastSeq = seq;
				unpublished.add( seq );
				return seq;
			}
			catch (IOException e) {
				throw new JournalException( logPrefix + "Cannot append to the journal in " + dir + ": " + e, e );
			}
		}
	}

	/**
	 * Appends a {@link #WRITTEN} record (written to the operating system, forced with the next force, never waited
	 * for): losing it in a power failure only makes the restart check those writes against their rows.
	 */
	public void appendWritten(byte[] payload) {
		synchronized ( this ) {
			if ( closed ) {
				return;
			}
			try {
				long bytes = RECORD_HEADER + payload.length;
				if ( currentSize + bytes > segmentBytes && currentSize > SEGMENT_HEADER ) {
					roll();
				}
				ByteBuffer out = ByteBuffer.allocate( (int) bytes );
				long seq = nextSeq++;
				put( out, seq, WRITTEN, payload );
				out.flip();
				while ( out.hasRemaining() ) {
					channel.write( out );
				}
				currentSize += bytes;
				writtenUpTo = seq;
				current.lastSeq = seq;
			}
			catch (IOException e) {
				throw new JournalException( logPrefix + "Cannot append to the journal in " + dir + ": " + e, e );
			}
		}
	}

	private static void put(ByteBuffer out, long seq, byte type, byte[] payload) {
		int start = out.position();
		out.putInt( payload.length ).putInt( 0 ).putLong( seq ).put( type ).put( payload );
		CRC32C crc = new CRC32C();
		crc.update( out.array(), start + 8, 9 + payload.length );
		out.putInt( start + 4, (int) crc.getValue() );
	}

	private void roll() throws IOException {
		if ( fsync != JournalFsync.NEVER ) {
			channel.force( false );
		}
		channel.close();
		synchronized ( syncLock ) {
			if ( fsync != JournalFsync.NEVER ) {
				syncedUpTo = Math.max( syncedUpTo, writtenUpTo );
			}
		}
		startSegment();
	}

	/** The record of {@code seq} has been published to the queue (or given up): the checkpoint may pass it. */
	public void published(long seq) {
		unpublished.remove( seq );
	}

	/** The lowest sequence that is appended but not yet published, else the next sequence to be assigned. */
	public long lowestUnpublished() {
		synchronized ( this ) {
			// published() removes without this lock: ceiling() answers null when the set is empty, first() would throw
			Long first = unpublished.ceiling( Long.MIN_VALUE );
			return first != null ? first : nextSeq;
		}
	}

	/** With {@link JournalFsync#ALWAYS}: returns once {@code seq} is on disk; one force serves every waiting commit. */
	public void awaitDurable(long seq) {
		if ( fsync != JournalFsync.ALWAYS ) {
			return;
		}
		boolean interrupted = false;
		try {
			while ( true ) {
				synchronized ( syncLock ) {
					while ( syncedUpTo < seq && syncing ) {
						try {
							syncLock.wait();
						}
						catch (InterruptedException e) {
							interrupted = true;
						}
					}
					if ( syncedUpTo >= seq ) {
						return;
					}
					syncing = true;
				}
				force();
			}
		}
		finally {
			if ( interrupted ) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/** Forces what was written so far to disk (the caller holds the {@code syncing} role, or the interval thread). */
	private void force() {
		long target;
		FileChannel ch;
		synchronized ( this ) {
			target = writtenUpTo;
			ch = channel;
		}
		try {
			if ( ch != null ) {
				ch.force( false );
			}
		}
		catch (ClosedChannelException rolledOrClosed) {
			// a roll or close forced it
		}
		catch (IOException e) {
			synchronized ( syncLock ) {
				syncing = false;
				syncLock.notifyAll();
			}
			throw new JournalException( logPrefix + "Cannot force the journal in " + dir + " to disk: " + e, e );
		}
		synchronized ( syncLock ) {
			syncedUpTo = Math.max( syncedUpTo, target );
			syncing = false;
			syncLock.notifyAll();
		}
	}

	/** For {@link JournalFsync#INTERVAL}: called by the journal's timer thread. */
	public void forceNow() {
		synchronized ( syncLock ) {
			while ( syncing ) {
				try {
					syncLock.wait();
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					return;
				}
			}
			syncing = true;
		}
		force();
	}

	/**
	 * Deletes the segments (but the current one) whose records all have a sequence below {@code lowWater}: every write
	 * in them reached the database or is superseded by a later record of its id. Returns how many were deleted.
	 */
	public int checkpoint(long lowWater) {
		List<Segment> deletable = new ArrayList<>();
		synchronized ( this ) {
			for ( Segment segment : segments.values() ) {
				if ( segment != current && segment.lastSeq < lowWater ) {
					deletable.add( segment );
				}
			}
			for ( Segment segment : deletable ) {
				segments.remove( segment.firstSeq );
			}
		}
		for ( Segment segment : deletable ) {
			try {
				Files.deleteIfExists( segment.file );
				MESSAGES.journalSegmentDeleted( logPrefix, segment.file, segment.firstSeq, segment.lastSeq );
			}
			catch (IOException e) {
				MESSAGES.journalSegmentNotDeleted( logPrefix, segment.file, e );
			}
		}
		return deletable.size();
	}

	/** Starts a new segment, so that the records appended so far can be deleted by a checkpoint. */
	public void rollNow() {
		synchronized ( this ) {
			if ( !closed && currentSize > SEGMENT_HEADER ) {
				try {
					roll();
				}
				catch (IOException e) {
					throw new JournalException( logPrefix + "Cannot start a journal segment in " + dir + ": " + e, e );
				}
			}
		}
	}

	@Override
	public void close() {
		synchronized ( this ) {
			if ( closed ) {
				return;
			}
			closed = true;
			try {
				channel.force( true );
				channel.close();
			}
			catch (IOException e) {
				MESSAGES.journalNotClosed( logPrefix, dir, e );
			}
			unlock();
		}
	}
}
