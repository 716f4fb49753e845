package io.writebehind.internal;

import java.util.Map;

import org.jboss.logging.Logger;

import io.writebehind.FailedWrite;

/**
 * Every log line of hibernate-write-behind, through JBoss Logging (Hibernate's own logging facade), each with a stable
 * message id {@code WBnnnnnn} (the style of Hibernate's {@code HHHnnnnnn}) and the persistence unit
 * ({@code [write-behind <unit>]}). Ids are never reused; the README lists them. One instance per logging category:
 * the category stays the class that logs, so existing logging configuration keeps working.
 */
public final class WriteBehindLogger {

	private final Logger log;

	private WriteBehindLogger(Logger log) {
		this.log = log;
	}

	public static WriteBehindLogger of(Class<?> category) {
		return new WriteBehindLogger( Logger.getLogger( category ) );
	}

	public boolean isDebugEnabled() {
		return log.isDebugEnabled();
	}

	/** A DEBUG line without a message id (diagnostics, not meant for operators). */
	public void debugf(String format, Object... parameters) {
		log.debugf( format, parameters );
	}

	// ------------------------------------------------------------------------------------------------ boot and close

	/** The boot summary: opted-in entities and effective settings. */
	public void active(String prefix, Map<String, ?> entities, int unversioned, Object settings) {
		log.infof( "WB000001: %sActive for %s (%d without @Version); %s", prefix, entities, unversioned, settings );
	}

	public void disabled(String prefix, int entities) {
		log.infof( "WB000002: %sDisabled by hibernate.writebehind.enabled=false; %d @WriteBehindEntity entities are "
				+ "written synchronously", prefix, entities );
	}

	public void unversioned(String prefix, String entityName) {
		log.warnf( "WB000003: %sEntity %s has no @Version attribute: concurrent writes to one id are not checked and "
				+ "the last write wins, also against rows changed outside this application. Add @Version to detect "
				+ "conflicts.", prefix, entityName );
	}

	public void autocommitHint(String prefix, String setting) {
		log.infof( "WB000004: %sHint: every transaction acquires a JDBC connection at begin() to switch autocommit off, "
				+ "even when it only touches write-behind entities. Let the connection pool hand out connections with "
				+ "autocommit off and set %s=true: such transactions then need no connection and run at memory speed.",
				prefix, setting );
	}

	public void drainingOnClose(String prefix, long pending, String why, long timeoutMs) {
		log.infof( "WB000005: %sFlushing %d pending write(s) on %s (up to %d ms)", prefix, pending, why, timeoutMs );
	}

	public void writesLeftOnClose(String prefix, long pending, String why, long timeoutMs, Map<String, Integer> left) {
		log.errorf( "WB000006: %s%d write(s) did NOT reach the database before %s ran out of time "
				+ "(hibernate.writebehind.shutdown_timeout_ms=%d): %s", prefix, pending, why, timeoutMs, left );
	}

	public void jmxRegistrationFailed(String prefix, Throwable cause) {
		log.warnf( cause, "WB000007: %sCould not register the write-behind MBean; JMX is not available for this unit "
				+ "(hibernate.writebehind.jmx.enabled=false turns JMX off)", prefix );
	}

	public void paused(String prefix, long pending) {
		log.infof( "WB000008: %sFlushing paused with %d pending write(s): commits are still accepted (up to "
				+ "hibernate.writebehind.queue_capacity), nothing is written until resume()", prefix, pending );
	}

	public void resumed(String prefix, long pending) {
		log.infof( "WB000009: %sFlushing resumed with %d pending write(s)", prefix, pending );
	}

	public void resumedToClose(String prefix, long pending) {
		log.infof( "WB000028: %sThe EntityManagerFactory is closing while flushing is paused: resumed to drain %d "
				+ "pending write(s)", prefix, pending );
	}

	public void jmxRegistered(String prefix, Object name) {
		log.debugf( "WB000029: %sRegistered the MBean %s", prefix, name );
	}

	// ------------------------------------------------------------------------------------------------ flusher

	public void outageStarted(String prefix, Object cause, long pending) {
		log.warnf( "WB000010: %sThe database refused a flush for a transient reason (%s); %d pending write(s) stay "
				+ "queued and are retried with backoff; logged once per outage", prefix, cause, pending );
	}

	public void flushAttemptFailed(String prefix, int attempt, Object cause) {
		log.debugf( "WB000011: %sFlush attempt %d failed: %s", prefix, attempt, cause );
	}

	public void outageOver(String prefix, int failedAttempts, long millis) {
		log.infof( "WB000012: %sThe database accepts writes again after %d failed attempt(s) in %d ms", prefix,
				failedAttempts, millis );
	}

	public void unexpectedFlusherError(String prefix, Throwable t) {
		log.errorf( t, "WB000013: %sUnexpected error in the flusher", prefix );
	}

	public void uncertainCommitApplied(String prefix, Object item) {
		log.infof( "WB000014: %s%s was found in the database: the commit whose outcome was unknown had applied it",
				prefix, item );
	}

	public void conflictDatabaseWins(String prefix, Object operation, String entityName, Object id) {
		log.warnf( "WB000015: %sConflict on %s %s#%s (the row was changed behind write-behind's back): the database "
				+ "wins, our write was discarded and the cache refreshed", prefix, operation, entityName, id );
	}

	public void conflictLastWriteWins(String prefix, Object operation, String entityName, Object id) {
		log.warnf( "WB000016: %sConflict on %s %s#%s (the row was changed behind write-behind's back): last write wins, "
				+ "our state is written over the row's current version", prefix, operation, entityName, id );
	}

	public void conflictResolvedKeepRow(String prefix, Object operation, String entityName, Object id, String resolver) {
		log.infof( "WB000017: %sConflict on %s %s#%s resolved by %s: the database's row stays", prefix, operation,
				entityName, id, resolver );
	}

	public void conflictResolvedWrite(String prefix, Object operation, String entityName, Object id, String resolver) {
		log.infof( "WB000018: %sConflict on %s %s#%s resolved by %s: its state is written over the row", prefix,
				operation, entityName, id, resolver );
	}

	public void batchRewritingUrl(String prefix) {
		log.warnf( "WB000019: %sThe JDBC URL enables batch rewriting (useBulkStmts / rewriteBatchedStatements), with "
				+ "which the driver reports no row counts for batched statements; versioned updates and deletes are "
				+ "sent one by one so that every version check sees a real row count (inserts stay batched)", prefix );
	}

	public void couldNotReadBack(String prefix, Object item, Throwable cause) {
		log.debugf( cause, "WB000020: %sCould not read %s back", prefix, item );
	}

	public void listenerFailed(String prefix, Object listener, String event, Throwable cause) {
		log.errorf( cause, "WB000021: %sThe WriteBehindListener %s threw on %s; ignored, the flusher goes on", prefix,
				listener, event );
	}

	public void couldNotRebuild(String prefix, Object item, Throwable cause) {
		log.debugf( cause, "WB000027: %sCould not rebuild the entity of %s", prefix, item );
	}

	// ------------------------------------------------------------------------------------------------ failed writes

	public void writeFailed(String prefix, FailedWrite write) {
		log.errorf( write.cause(), "WB000022: %s%s; kept in WriteBehind.failedWrites(), to replay with retryFailed() or "
				+ "drop with discardFailed()", prefix, write );
	}

	public void failureHandlerFailed(String prefix, Object handler, FailedWrite write, Throwable cause) {
		log.errorf( cause, "WB000023: %sThe WriteFailureHandler %s threw on %s; the write is kept in failedWrites()",
				prefix, handler, write );
	}

	public void deadLetterFull(String prefix, int capacity, FailedWrite oldest) {
		log.errorf( "WB000024: %sThe failed-write list is full (hibernate.writebehind.dead_letter_capacity=%d): %s "
				+ "leaves it; it was reported when it failed", prefix, capacity, oldest );
	}

	public void cannotReplayWithoutState(String prefix, FailedWrite write) {
		log.warnf( "WB000025: %sCannot replay %s: it was kept without its state (keepFailed outside its handler call)",
				prefix, write );
	}

	public void notReplayed(String prefix, FailedWrite write) {
		log.warnf( "WB000026: %sDid not replay %s: the id has a newer pending write, or the queue is full", prefix, write );
	}
}
