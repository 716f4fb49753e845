package io.writebehind.internal.journal;

/**
 * The place of a write in the journal: the sequence of its transaction record and its position there. Attached to the
 * pending write that holds the journaled state ({@code PendingWrite.attachment}), so that once the flusher wrote it the
 * journal can note it written, and its checkpoint keeps every record a pending write still needs.
 */
record JournalPosition(long seq, int index) {
}
