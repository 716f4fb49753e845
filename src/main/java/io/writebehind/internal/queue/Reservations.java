package io.writebehind.internal.queue;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The ids of one region that committing transactions hold until their writes are published (two transactions based on
 * one version, or inserting one id, cannot both pass their check), or that a transaction wrote itself before a query
 * (its rows are locked in the database until it ends). Thread-safe: one {@link ConcurrentHashMap}.
 */
public final class Reservations {

	/** The holder of each reserved id (a transaction's buffer); any committing thread. */
	private final ConcurrentHashMap<Object, Object> holders = new ConcurrentHashMap<>();

	/** Reserves an id for a committing transaction; returns {@code null} on success, else the other owner. */
	public Object reserve(Object id, Object owner) {
		Object previous = holders.putIfAbsent( id, owner );
		return previous == null || previous == owner ? null : previous;
	}

	/** Whether a transaction other than {@code owner} holds the id (see {@link #reserve}). */
	public boolean reservedByOther(Object id, Object owner) {
		Object holder = holders.get( id );
		return holder != null && holder != owner;
	}

	public void release(Object id, Object owner) {
		holders.remove( id, owner );
	}
}
