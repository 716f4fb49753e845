package io.writebehind.journal;

import java.nio.file.Path;

import io.writebehind.internal.journal.Journal;
import io.writebehind.internal.journal.JournalFsync;

/**
 * Child JVM of {@link JournalSecurityTest}, started under {@code umask 000}: opens a journal in the directory given
 * (creating it), appends a record and closes it.
 */
public final class JournalUmaskChild {

	private JournalUmaskChild() {
	}

	public static void main(String[] args) {
		Journal journal = Journal.open( Path.of( args[0] ), JournalFsync.NEVER, 1 << 20, "[umask] ", record -> {
		} );
		journal.appendWritten( new byte[] { 0, 0, 0, 0 } );
		journal.rollNow();
		journal.close();
	}
}
