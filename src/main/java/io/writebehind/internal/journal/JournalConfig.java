package io.writebehind.internal.journal;

import static io.writebehind.WriteBehindSettings.*;
import static io.writebehind.internal.common.SettingValues.whole;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.writebehind.WriteBehindConfigurationException;

/**
 * The validated {@code journal.*} settings; {@link #dir} is {@code null} when the journal is off (the default).
 * Messages name the key and the value.
 */
public final class JournalConfig {

	public static final Set<String> KEYS = Set.of( JOURNAL_DIR, JOURNAL_FSYNC, JOURNAL_FSYNC_INTERVAL_MS,
			JOURNAL_SEGMENT_BYTES, JOURNAL_CHECKPOINT_INTERVAL_MS );

	/** {@code null}: no journal. */
	public final Path dir;
	public final JournalFsync fsync;
	public final long fsyncIntervalMs;
	public final long segmentBytes;
	public final long checkpointIntervalMs;

	private JournalConfig(Path dir, JournalFsync fsync, long fsyncIntervalMs, long segmentBytes, long checkpointIntervalMs) {
		this.dir = dir;
		this.fsync = fsync;
		this.fsyncIntervalMs = fsyncIntervalMs;
		this.segmentBytes = segmentBytes;
		this.checkpointIntervalMs = checkpointIntervalMs;
	}

	public boolean enabled() {
		return dir != null;
	}

	public static JournalConfig from(Map<String, ?> settings) {
		Object fsyncValue = settings.get( JOURNAL_FSYNC );
		JournalFsync fsync = JournalFsync.valueOf( DEFAULT_JOURNAL_FSYNC );
		if ( fsyncValue != null ) {
			try {
				fsync = JournalFsync.valueOf( fsyncValue.toString().trim().toUpperCase( Locale.ROOT ) );
			}
			catch (IllegalArgumentException e) {
				throw new WriteBehindConfigurationException( JOURNAL_FSYNC + " was '" + fsyncValue
						+ "', must be ALWAYS, INTERVAL or NEVER" );
			}
		}
		long interval = whole( settings, JOURNAL_FSYNC_INTERVAL_MS, DEFAULT_JOURNAL_FSYNC_INTERVAL_MS, 1, 60_000 );
		long segment = whole( settings, JOURNAL_SEGMENT_BYTES, DEFAULT_JOURNAL_SEGMENT_BYTES, 4096, 1L << 30 );
		long checkpoint = whole( settings, JOURNAL_CHECKPOINT_INTERVAL_MS, DEFAULT_JOURNAL_CHECKPOINT_INTERVAL_MS, 10, 3_600_000 );
		Object dirValue = settings.get( JOURNAL_DIR );
		Path dir = null;
		if ( dirValue != null && !dirValue.toString().isBlank() ) {
			String text = dirValue.toString().trim();
			try {
				dir = Path.of( text ).toAbsolutePath();
			}
			catch (InvalidPathException e) {
				throw new WriteBehindConfigurationException( JOURNAL_DIR + " was '" + text + "', not a valid path: "
						+ e.getMessage() );
			}
			if ( Files.exists( dir ) && !Files.isDirectory( dir ) ) {
				throw new WriteBehindConfigurationException( JOURNAL_DIR + " was '" + text + "', which is a file, "
						+ "not a directory" );
			}
			try {
				// owner-only when created; refused when other users can write to it
				JournalFiles.prepareDirectory( dir );
			}
			catch (IOException e) {
				throw new WriteBehindConfigurationException( JOURNAL_DIR + " was '" + text + "', which cannot be "
						+ "created: " + e );
			}
			if ( !Files.isWritable( dir ) ) {
				throw new WriteBehindConfigurationException( JOURNAL_DIR + " was '" + text + "', which is not writable" );
			}
		}
		else if ( settings.containsKey( JOURNAL_DIR ) ) {
			throw new WriteBehindConfigurationException( JOURNAL_DIR + " was '" + dirValue + "', must be a directory "
					+ "path (leave it out to turn the journal off)" );
		}
		return new JournalConfig( dir, fsync, interval, segment, checkpoint );
	}

	@Override
	public String toString() {
		return dir == null ? "journal=off" : "journal.dir=" + dir + ", journal.fsync=" + fsync
				+ ( fsync == JournalFsync.INTERVAL ? ", journal.fsync_interval_ms=" + fsyncIntervalMs : "" );
	}
}
