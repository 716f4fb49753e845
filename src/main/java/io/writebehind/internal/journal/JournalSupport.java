package io.writebehind.internal.journal;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;

import org.hibernate.StatelessSession;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.flush.FlushObserver;
import io.writebehind.internal.journal.StateCodec.JournalWrite;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.FlushItem;
import io.writebehind.internal.queue.RowState;

/**
 * The journal of one persistence unit: appends the writes of committing transactions (encoded by {@link StateCodec}),
 * replays the journal into the regions at start-up, forces it to disk per {@link JournalFsync}, and checkpoints:
 * deletes the segments whose writes all reached the database. Thread-safe.
 */
public final class JournalSupport implements FlushObserver, AutoCloseable {

	private static final WriteBehindLogger MESSAGES = WriteBehindLogger.of( JournalSupport.class );
	/** How long close() waits for the timer's current force or checkpoint, which a loaded machine may make slow. */
	private static final long TIMER_STOP_TIMEOUT_MS = 60_000;

	private final JournalConfig config;
	private final String logPrefix;
	private final StateCodec codec;
	private final Supplier<List<EntityRegion>> regions;
	/** Opened by {@link #start}, before the factory serves sessions; thread-safe itself. */
	private Journal journal;
	/** Started by {@link #start}, joined by {@link #close()}. */
	private Thread timer;
	/** Set by {@link #close()} under {@link #timerWakeUp}; read by the timer. */
	private volatile boolean stopping;
	/** Appends that failed; bumped by committing threads. */
	private final LongAdder appendFailures = new LongAdder();
	/** Whether the latest append failed; written by committing threads (last one wins), read by any thread. */
	private volatile boolean failing;
	private final Object timerWakeUp = new Object();

	private JournalSupport(JournalConfig config, String logPrefix, StateCodec codec, Supplier<List<EntityRegion>> regions) {
		this.config = config;
		this.logPrefix = logPrefix;
		this.codec = codec;
		this.regions = regions;
	}

	/**
	 * Opens the journal, replays what it holds into the regions (as pending writes, checked against their rows before
	 * they are written) and starts the timer thread (forces for INTERVAL, checkpoints).
	 */
	public static JournalSupport start(SessionFactoryImplementor factory, JournalConfig config, String logPrefix,
			String unitName, Function<String, EntityRegion> regionOf, Supplier<List<EntityRegion>> regions) {
		JournalSupport support = new JournalSupport( config, logPrefix, new StateCodec( factory ), regions );
		support.open( factory, regionOf );
		support.timer = new Thread( support::timerLoop, "write-behind-journal-" + unitName );
		support.timer.setDaemon( true );
		support.timer.start();
		return support;
	}

	private record Latest(JournalWrite write, long seq, int index, JournalBase base) {
	}

	/** An id of an opted-in entity hierarchy: the key of the journal's latest write of it. */
	private record RegionId(EntityRegion region, Object id) {
	}

	/** What the replay of the journal at start-up has found so far; used by the opening thread only. */
	private static final class Replay {
		final Map<String, StateCodec.Schema> schemas = new HashMap<>();
		/** The latest write of each id, in the order of their first record. */
		final Map<RegionId, Latest> latest = new LinkedHashMap<>();
		/** The id whose latest write is at each position, to find it again from a WRITTEN record. */
		final Map<JournalPosition, RegionId> keyAt = new HashMap<>();
		/** Ids whose latest write is known written (a WRITTEN record). */
		int skipped;
		/** Transaction records read. */
		int records;
		/** The segment of the records read last (schemas are valid within their segment). */
		Path segmentFile;
	}

	private void open(SessionFactoryImplementor factory, Function<String, EntityRegion> regionOf) {
		long started = System.nanoTime();
		Replay replay = new Replay();
		try ( StatelessSession session = factory.openStatelessSession() ) {
			SharedSessionContractImplementor implementor = (SharedSessionContractImplementor) session;
			journal = Journal.open( config.dir, config.fsync, config.segmentBytes, logPrefix, record -> {
				try {
					replayRecord( record, replay, implementor, regionOf );
				}
				catch (JournalException e) {
					if ( e.getMessage() != null && e.getMessage().contains( record.file().toString() ) ) {
						throw e;
					}
					throw new JournalException( logPrefix + "Journal record " + record.seq() + " in " + record.file()
							+ " at offset " + record.offset() + " cannot be read (" + e.getMessage() + "), though its "
							+ "CRC checks out: not a torn write. Refusing to start: the journal holds committed writes that "
							+ "were not written to the database. Move the file away only if you accept losing them.", e );
				}
				catch (RuntimeException | StackOverflowError e) {
					// a record that passed its CRC but cannot be read: written by a bug or by someone else. The
					// exception's message is left out: it may quote the entity state it failed on
					throw new JournalException( logPrefix + "Journal record " + record.seq() + " in " + record.file()
							+ " at offset " + record.offset() + " cannot be read (" + e.getClass().getName() + "), though "
							+ "its CRC checks out: not a torn write. Refusing to start: the journal holds committed writes "
							+ "that were not written to the database. Move the file away only if you accept losing them." );
				}
			} );
		}
		for ( Map.Entry<RegionId, Latest> entry : replay.latest.entrySet() ) {
			Latest l = entry.getValue();
			entry.getKey().region().replays().recovered( l.write().id(), l.write().snapshot(),
					new RowState( l.base().lowExists(), l.base().lowVersion() ), l.base(),
					new JournalPosition( l.seq(), l.index() ), l.write().cacheWhenWritten() );
		}
		if ( replay.records > 0 ) {
			MESSAGES.journalReplayed( logPrefix, config, config.dir, replay.records, replay.latest.size(), replay.skipped,
					( System.nanoTime() - started ) / 1_000_000 );
		}
		else {
			MESSAGES.journalEmpty( logPrefix, config );
		}
	}

	private void replayRecord(Journal.Record record, Replay replay, SharedSessionContractImplementor implementor,
			Function<String, EntityRegion> regionOf) {
		Map<String, StateCodec.Schema> schemas = replay.schemas;
		Map<RegionId, Latest> latest = replay.latest;
		Map<JournalPosition, RegionId> keyAt = replay.keyAt;
		if ( !record.file().equals( replay.segmentFile ) ) {
			// schemas are valid within their segment
			schemas.clear();
			replay.segmentFile = record.file();
		}
		String where = logPrefix + "Journal record " + record.seq() + " in " + record.file() + " at offset "
				+ record.offset();
		if ( record.type() == Journal.SCHEMA ) {
			StateCodec.Schema schema = StateCodec.readSchema( record.payload() );
			schemas.put( schema.entityName(), schema );
			return;
		}
		if ( record.type() == Journal.WRITTEN ) {
			// writes that reached the database: not replayed, unless a later record of the id follows
			ByteBuffer payload = record.payload().duplicate();
			int count = payload.getInt();
			if ( count < 0 || (long) count * 12 != payload.remaining() ) {
				throw new JournalException( where + ": a WRITTEN record of " + count + " write(s) has "
						+ payload.remaining() + " byte(s) left, must be 12 per write" );
			}
			for ( int i = 0; i < count; i++ ) {
				JournalPosition position = new JournalPosition( payload.getLong(), payload.getInt() );
				RegionId key = keyAt.remove( position );
				Latest current = key == null ? null : latest.get( key );
				if ( current != null && current.seq() == position.seq() && current.index() == position.index() ) {
					latest.remove( key );
					replay.skipped++;
				}
			}
			return;
		}
		replay.records++;
		int index = 0;
		for ( JournalWrite write : codec.decode( record.payload(), schemas, implementor, where ) ) {
			EntityRegion region = regionOf.apply( write.entityName() );
			if ( region == null ) {
				throw new JournalException( where + ": entity " + write.entityName() + " is not a "
						+ "@WriteBehindEntity any more; refusing to start (opt it in again to replay its writes)" );
			}
			RegionId key = new RegionId( region, write.id() );
			Latest previous = latest.get( key );
			// the oldest record of the id in the journal knows the row's state before this node's chain
			JournalBase base = previous == null
					? new JournalBase( write.lowExists(), write.lowVersion(), write.deleteBaseVersion() )
					: new JournalBase( previous.base().lowExists(), previous.base().lowVersion(),
							write.deleteBaseVersion() );
			Latest replaced = latest.put( key, new Latest( write, record.seq(), index, base ) );
			if ( replaced != null ) {
				keyAt.remove( new JournalPosition( replaced.seq(), replaced.index() ) );
			}
			keyAt.put( new JournalPosition( record.seq(), index ), key );
			index++;
		}
	}

	/**
	 * Appends the writes of a committed transaction and, with {@code fsync=ALWAYS}, waits until they are on disk.
	 * Returns the record's sequence; call {@link #published(long)} once the writes are published to their regions.
	 * Never throws: an append that fails is logged (WB000460), counted and reported as {@link #failing()}, and
	 * returns 0 (the writes are not journaled; they are queued all the same).
	 */
	public long append(List<JournalWrite> writes, SharedSessionContractImplementor session) {
		Set<String> names = new LinkedHashSet<>();
		for ( JournalWrite write : writes ) {
			names.add( write.entityName() );
		}
		long seq = 0;
		try {
			byte[] payload = codec.encode( writes, session );
			seq = journal.append( payload, names, codec::schemaRecord );
			journal.awaitDurable( seq );
		}
		catch (RuntimeException e) {
			if ( seq != 0 ) {
				journal.published( seq );
			}
			appendFailures.increment();
			failing = true;
			MESSAGES.journalAppendFailed( logPrefix, writes.size(), names, e );
			return 0;
		}
		if ( failing ) {
			failing = false;
			MESSAGES.journalAppendsRecovered( logPrefix, appendFailures.sum() );
		}
		return seq;
	}

	/** Committed transactions whose writes could not be appended (WB000460). */
	/** The file holding the node's identity in the journal directory (see {@link #nodeIdentity}). */
	public static final String NODE_ID_FILE = "node-id";

	/**
	 * This node's identity for the other nodes of a cluster, kept in the journal directory (file {@value #NODE_ID_FILE},
	 * written on first use: 16 hex digits), so that a node restarted on its journal is the same node (the lease owner of
	 * its replayed writes). Read under the directory's lock: no other process uses it. Fails the start when the file
	 * cannot be read or written, or does not hold an identity, naming it.
	 */
	public String nodeIdentity() {
		java.nio.file.Path file = config.dir.resolve( NODE_ID_FILE );
		try {
			if ( java.nio.file.Files.exists( file ) ) {
				String id = java.nio.file.Files.readString( file, java.nio.charset.StandardCharsets.US_ASCII ).trim();
				if ( !id.matches( "[0-9a-f]{8,32}" ) ) {
					throw new JournalException( logPrefix + "The node identity file " + file + " holds '"
							+ ( id.length() > 40 ? id.substring( 0, 40 ) + "..." : id ) + "', not 8 to 32 hex digits. It is "
							+ "written at the first start with a journal (the node's identity for the other nodes of the "
							+ "cluster); restore it, or delete it to start as a new node (writes replayed from this "
							+ "journal on buckets another node held since are then fenced out and reported)" );
				}
				return id;
			}
			String id = String.format( "%016x", new java.security.SecureRandom().nextLong() );
			java.nio.file.Path temporary = config.dir.resolve( NODE_ID_FILE + ".tmp" );
			try ( java.nio.channels.FileChannel channel = JournalFiles.open( temporary, Set.of(
					java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
					java.nio.file.StandardOpenOption.WRITE ) ) ) {
				channel.write( java.nio.ByteBuffer.wrap( ( id + "\n" ).getBytes( java.nio.charset.StandardCharsets.US_ASCII ) ) );
				channel.force( true );
			}
			java.nio.file.Files.move( temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE );
			return id;
		}
		catch (java.io.IOException e) {
			throw new JournalException( logPrefix + "Could not read or write the node identity file " + file + " in "
					+ "the journal directory (" + e + "); the directory must be writable", e );
		}
	}

	public long appendFailures() {
		return appendFailures.sum();
	}

	/** Whether the latest append failed (the writes committed since are not crash-safe). */
	public boolean failing() {
		return failing;
	}

	public void published(long seq) {
		journal.published( seq );
	}

	/**
	 * The flusher committed these items: records that a restart need not replay them (items not journaled are left
	 * out). Never throws: a failure only makes a restart check those writes against their rows.
	 */
	@Override
	public void written(List<FlushItem> items) {
		int count = 0;
		for ( FlushItem item : items ) {
			if ( item.attachment instanceof JournalPosition ) {
				count++;
			}
		}
		if ( count == 0 ) {
			return;
		}
		ByteBuffer payload = ByteBuffer.allocate( 4 + 12 * count ).putInt( count );
		for ( FlushItem item : items ) {
			if ( item.attachment instanceof JournalPosition position ) {
				payload.putLong( position.seq() ).putInt( position.index() );
			}
		}
		try {
			journal.appendWritten( payload.array() );
		}
		catch (RuntimeException e) {
			MESSAGES.journalWrittenNotNoted( logPrefix, e );
		}
	}

	/**
	 * Writes of transaction record {@code seq} (at these positions) that their application transaction wrote to the
	 * database itself, before a query: records that a restart need not replay them. Never throws.
	 */
	public void written(long seq, List<Integer> indexes) {
		if ( seq == 0 ) {
			return; // not journaled
		}
		ByteBuffer payload = ByteBuffer.allocate( 4 + 12 * indexes.size() ).putInt( indexes.size() );
		for ( int index : indexes ) {
			payload.putLong( seq ).putInt( index );
		}
		try {
			journal.appendWritten( payload.array() );
		}
		catch (RuntimeException e) {
			MESSAGES.journalWrittenNotNoted( logPrefix, e );
		}
	}

	/** Deletes the segments whose writes all reached the database (or are superseded). */
	public int checkpoint() {
		long lowWater = journal.lowestUnpublished();
		for ( EntityRegion region : regions.get() ) {
			// the smallest sequence a pending write still needs: every older record is written or superseded
			lowWater = Math.min( lowWater, region.attachments().filter( JournalPosition.class::isInstance )
					.mapToLong( attachment -> ( (JournalPosition) attachment ).seq() ).min().orElse( Long.MAX_VALUE ) );
		}
		return journal.checkpoint( lowWater );
	}

	private void timerLoop() {
		long lastForce = System.nanoTime();
		long lastCheckpoint = System.nanoTime();
		long tick = config.fsync == JournalFsync.INTERVAL
				? Math.min( config.fsyncIntervalMs, config.checkpointIntervalMs ) : config.checkpointIntervalMs;
		while ( !stopping ) {
			// woken by close() through the monitor, never interrupted: an interrupt that lands inside a FileChannel
			// operation (the force of INTERVAL) closes the channel, and the final checkpoint then cannot roll it
			synchronized ( timerWakeUp ) {
				try {
					if ( !stopping ) {
						timerWakeUp.wait( tick );
					}
				}
				catch (InterruptedException e) {
					// not ours: the timer keeps its schedule until close()
				}
			}
			if ( stopping ) {
				return;
			}
			try {
				long now = System.nanoTime();
				if ( config.fsync == JournalFsync.INTERVAL && now - lastForce >= config.fsyncIntervalMs * 1_000_000L ) {
					lastForce = now;
					journal.forceNow();
				}
				if ( now - lastCheckpoint >= config.checkpointIntervalMs * 1_000_000L ) {
					lastCheckpoint = now;
					checkpoint();
				}
			}
			catch (RuntimeException e) {
				MESSAGES.journalMaintenanceFailed( logPrefix, e );
			}
		}
	}

	/**
	 * Stops the timer and closes the journal; when nothing is pending any more, the last segment is rolled and every
	 * segment deleted (a clean shutdown leaves an empty journal).
	 */
	@Override
	public void close() {
		synchronized ( timerWakeUp ) {
			stopping = true;
			timerWakeUp.notifyAll();
		}
		try {
			timer.join( TIMER_STOP_TIMEOUT_MS );
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		if ( timer.isAlive() ) {
			MESSAGES.journalTimerDidNotStop( logPrefix, TIMER_STOP_TIMEOUT_MS );
		}
		else {
			try {
				journal.rollNow();
				checkpoint();
			}
			catch (RuntimeException e) {
				MESSAGES.journalFinalCheckpointFailed( logPrefix, e );
			}
		}
		journal.close();
	}

	/** For the writes of a transaction: the journaled form. */
	public static JournalWrite write(String entityName, Object id, EntitySnapshot snapshot,
			boolean lowExists, Object lowVersion, Object deleteBaseVersion, boolean cacheWhenWritten) {
		return new JournalWrite( entityName, id, snapshot, lowExists, lowVersion, deleteBaseVersion, cacheWhenWritten );
	}
}
