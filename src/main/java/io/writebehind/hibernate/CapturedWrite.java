package io.writebehind.hibernate;

import org.hibernate.persister.entity.EntityPersister;

import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.queue.EntityRegion;

/**
 * One id's write captured by a transaction ({@link TransactionWrites}): what the transaction read, the latest state it
 * wrote, and what it wrote to the database itself. Owned by the thread that runs the session.
 */
final class CapturedWrite {

	final EntityRegion region;
	final Object id;
	/** Whether the row existed before this transaction, and the version the transaction read. */
	boolean baseExists;
	Object baseVersion;
	EntitySnapshot latest;
	/** For a new entity: what is needed to insert it in this transaction after all. */
	Object entity;
	EntityPersister persister;
	/**
	 * The state this transaction itself wrote to the database, in its own transaction, if it had to (for a foreign
	 * key, see {@link TransactionWrites#writeNowIfNew}, or before a query, see {@link TransactionWrites#writeForQuery});
	 * {@code baseExists} and {@code baseVersion} stay what the transaction read, for the check at commit.
	 */
	EntitySnapshot writtenInTransaction;
	/** Inserted by Hibernate itself in this transaction (a database-generated id): the INSERT is not journaled. */
	boolean insertedAtCommit;
	/** Whether this transaction holds the id in its region's reservations (released when the transaction ends). */
	boolean reserved;
	/** The next write of the transaction, in the order the ids were first written ({@link TransactionWrites}). */
	CapturedWrite next;

	CapturedWrite(EntityRegion region, Object id, boolean baseExists, Object baseVersion) {
		assert id != null;
		this.region = region;
		this.id = id;
		this.baseExists = baseExists;
		this.baseVersion = baseVersion;
	}

	/** Whether this is the write of that id of that region. */
	boolean isOf(EntityRegion region, Object id) {
		return this.region == region && this.id.equals( id );
	}

	/** Whether the database lacks the latest state of the write, as this transaction sees the database. */
	boolean unwritten() {
		if ( latest == writtenInTransaction ) {
			return false;
		}
		// created and removed by this transaction, never written: nothing to write
		return writtenInTransaction != null || baseExists || !latest.isDeleted();
	}

	/** Whether the row exists in the database as this transaction sees it, and its version there. */
	boolean dbExists() {
		return writtenInTransaction != null ? !writtenInTransaction.isDeleted() : baseExists;
	}

	Object dbVersion() {
		return writtenInTransaction != null ? writtenInTransaction.version() : baseVersion;
	}

	/** Created and removed by this transaction, and never written to the database: nothing happened. */
	boolean nothingHappened() {
		return !baseExists && latest.isDeleted() && writtenInTransaction == null;
	}
}
