package io.writebehind.internal.journal;

/** When the journal forces its appended bytes to the disk (see docs/journal.md). */
public enum JournalFsync {
	/** The commit returns after its record is forced to disk; concurrent commits share one force (group commit). */
	ALWAYS,
	/** Records are written to the OS at every commit and forced every {@code journal.fsync_interval_ms}. */
	INTERVAL,
	/** Records are written to the OS at every commit and never forced (only when a segment is closed). */
	NEVER
}
