package io.writebehind.internal.journal;

/** The journal cannot be read or written: a corrupt record, an unreadable entity state, an I/O failure. */
public final class JournalException extends RuntimeException {

	public JournalException(String message) {
		super( message );
	}

	public JournalException(String message, Throwable cause) {
		super( message, cause );
	}
}
