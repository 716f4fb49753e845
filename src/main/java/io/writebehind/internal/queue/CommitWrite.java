package io.writebehind.internal.queue;

import io.writebehind.internal.cache.EntitySnapshot;

/**
 * One write of a committing application transaction, as the {@link CommitParticipant}s see it. Owned by the thread
 * that completes the transaction.
 *
 * @param region the write's region
 * @param id the entity's id
 * @param state the latest state the transaction committed ({@link EntitySnapshot#isDeleted()}: a remove)
 * @param baseExists whether the row existed before the transaction, as the transaction saw it
 * @param baseVersion the version the transaction read (for an update or remove)
 * @param row whether the row exists and its version, as the transaction sees the database (its own writes included)
 * @param writtenInTransaction whether the transaction itself wrote a state of the id to the database
 * @param alreadyWritten whether that state is {@code state}: the database already holds the write
 * @param insertedAtCommit whether Hibernate itself inserted the entity in the transaction (a database-generated id)
 */
public record CommitWrite(EntityRegion region, Object id, EntitySnapshot state, boolean baseExists, Object baseVersion,
		RowState row, boolean writtenInTransaction, boolean alreadyWritten, boolean insertedAtCommit) {
}
