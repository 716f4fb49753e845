package io.writebehind.internal;

import java.lang.invoke.MethodHandles;
import java.util.Map;

import org.jboss.logging.BasicLogger;
import org.jboss.logging.Logger;
import org.jboss.logging.annotations.Cause;
import org.jboss.logging.annotations.LogMessage;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageLogger;
import org.jboss.logging.annotations.ValidIdRange;

import io.writebehind.FailedWrite;

import static org.jboss.logging.Logger.Level.DEBUG;
import static org.jboss.logging.Logger.Level.ERROR;
import static org.jboss.logging.Logger.Level.INFO;
import static org.jboss.logging.Logger.Level.WARN;

/**
 * Every log line of hibernate-write-behind: a JBoss Logging message logger (Hibernate's own logging facade), whose
 * implementation the annotation processor {@code org.jboss.logging:jboss-logging-processor} generates at compile time.
 * Each line starts with a stable message id {@code WBnnnnnn} (the style of Hibernate's {@code HHHnnnnnn}) and names
 * the persistence unit ({@code [write-behind <unit>] }, the first parameter). Ids are never reused; {@code docs/observability.md}
 * lists them. One instance per logging category: the category stays the class that logs, so logging configuration by class
 * keeps working. Ids 1-99 are taken by the core; other parts of the library take the ranges their section says.
 */
@MessageLogger(projectCode = "WB", length = 6)
@ValidIdRange(min = 1, max = 999)
public interface WriteBehindLogger extends BasicLogger {

	/** The message logger of a category (the class that logs). */
	static WriteBehindLogger of(Class<?> category) {
		return Logger.getMessageLogger( MethodHandles.lookup(), WriteBehindLogger.class, category.getName() );
	}

	/**
	 * A write failed for good or conflicted (default failure handler): the entity and id at ERROR, which an operator
	 * needs; the cause with its messages (which may quote the row's values) at DEBUG only.
	 */
	default void writeFailed(String prefix, FailedWrite write) {
		writeFailedWithCause( prefix, write );
		if ( isDebugEnabled() && write.cause() != null ) {
			writeFailedCause( prefix, write.entityName(), write.id(), write.cause() );
		}
	}

	@LogMessage(level = INFO)
	@Message(id = 1, value = "%sActive for %s (%d without @Version); %s")
	void active(String prefix, Map<String, ?> entities, int unversioned, Object settings);

	@LogMessage(level = INFO)
	@Message(id = 2, value = "%sDisabled by hibernate.writebehind.enabled=false; %d @WriteBehindEntity entities are written "
			+ "synchronously")
	void disabled(String prefix, int entities);

	@LogMessage(level = WARN)
	@Message(id = 3, value = "%sEntity %s has no @Version attribute: concurrent writes to one id are not checked and the last "
			+ "write wins, also against rows changed outside this application. Add @Version to detect conflicts.")
	void unversioned(String prefix, String entityName);

	@LogMessage(level = INFO)
	@Message(id = 4, value = "%sHint: every transaction acquires a JDBC connection at begin() to switch autocommit off, even when "
			+ "it only touches write-behind entities. Let the connection pool hand out connections with autocommit "
			+ "off and set %s=true: such transactions then need no connection and run at memory speed.")
	void autocommitHint(String prefix, String setting);

	@LogMessage(level = INFO)
	@Message(id = 5, value = "%sFlushing %d pending write(s) on %s (up to %d ms)")
	void drainingOnClose(String prefix, long pending, String why, long timeoutMs);

	@LogMessage(level = ERROR)
	@Message(id = 6, value = "%s%d write(s) did NOT reach the database before %s ran out of time "
			+ "(hibernate.writebehind.shutdown_timeout_ms=%d): %s")
	void writesLeftOnClose(String prefix, long pending, String why, long timeoutMs, Map<String, Integer> left);

	@LogMessage(level = WARN)
	@Message(id = 7, value = "%sCould not register the write-behind MBean; JMX is not available for this unit "
			+ "(hibernate.writebehind.jmx.enabled=false turns JMX off)")
	void jmxRegistrationFailed(String prefix, @Cause Throwable cause);

	@LogMessage(level = INFO)
	@Message(id = 8, value = "%sFlushing paused with %d pending write(s): commits are still accepted (up to "
			+ "hibernate.writebehind.queue_capacity), nothing is written until resume()")
	void paused(String prefix, long pending);

	@LogMessage(level = INFO)
	@Message(id = 9, value = "%sFlushing resumed with %d pending write(s)")
	void resumed(String prefix, long pending);

	@LogMessage(level = WARN)
	@Message(id = 10, value = "%sThe database refused a flush for a transient reason (%s); %d pending write(s) stay queued and are "
			+ "retried with backoff; logged once per outage")
	void outageStarted(String prefix, Object cause, long pending);

	@LogMessage(level = DEBUG)
	@Message(id = 11, value = "%sFlush attempt %d failed: %s")
	void flushAttemptFailed(String prefix, int attempt, Object cause);

	@LogMessage(level = INFO)
	@Message(id = 12, value = "%sThe database accepts writes again after %d failed attempt(s) in %d ms")
	void outageOver(String prefix, int failedAttempts, long millis);

	@LogMessage(level = ERROR)
	@Message(id = 13, value = "%sUnexpected error in the flusher")
	void unexpectedFlusherError(String prefix, @Cause Throwable t);

	@LogMessage(level = INFO)
	@Message(id = 14, value = "%s%s was found in the database: the commit whose outcome was unknown had applied it")
	void uncertainCommitApplied(String prefix, Object item);

	@LogMessage(level = WARN)
	@Message(id = 15, value = "%sConflict on %s %s#%s (the row was changed behind write-behind's back): the database wins, our "
			+ "write was discarded and the cache refreshed")
	void conflictDatabaseWins(String prefix, Object operation, String entityName, Object id);

	@LogMessage(level = WARN)
	@Message(id = 16, value = "%sConflict on %s %s#%s (the row was changed behind write-behind's back): last write wins, our state "
			+ "is written over the row's current version")
	void conflictLastWriteWins(String prefix, Object operation, String entityName, Object id);

	@LogMessage(level = INFO)
	@Message(id = 17, value = "%sConflict on %s %s#%s resolved by %s: the database's row stays")
	void conflictResolvedKeepRow(String prefix, Object operation, String entityName, Object id, String resolver);

	@LogMessage(level = INFO)
	@Message(id = 18, value = "%sConflict on %s %s#%s resolved by %s: its state is written over the row")
	void conflictResolvedWrite(String prefix, Object operation, String entityName, Object id, String resolver);

	@LogMessage(level = WARN)
	@Message(id = 19, value = "%sThe JDBC URL enables batch rewriting (useBulkStmts / rewriteBatchedStatements), with which the "
			+ "driver reports no row counts for batched statements; versioned updates and deletes are sent one by "
			+ "one so that every version check sees a real row count (inserts stay batched)")
	void batchRewritingUrl(String prefix);

	@LogMessage(level = DEBUG)
	@Message(id = 20, value = "%sCould not read %s back")
	void couldNotReadBack(String prefix, Object item, @Cause Throwable cause);

	@LogMessage(level = ERROR)
	@Message(id = 21, value = "%sThe WriteBehindListener %s threw on %s; ignored, the flusher goes on")
	void listenerFailed(String prefix, Object listener, String event, @Cause Throwable cause);

	@LogMessage(level = ERROR)
	@Message(id = 22, value = "%s%s; kept in WriteBehind.failedWrites(), to replay with retryFailed() or drop with "
			+ "discardFailed() (the cause's messages, which may quote the row's values, are logged at DEBUG: WB000383)")
	void writeFailedWithCause(String prefix, FailedWrite write);

	@LogMessage(level = ERROR)
	@Message(id = 23, value = "%sThe WriteFailureHandler %s threw on %s; the write is kept in failedWrites()")
	void failureHandlerFailed(String prefix, Object handler, FailedWrite write, @Cause Throwable cause);

	@LogMessage(level = ERROR)
	@Message(id = 24, value = "%sThe failed-write list is full (hibernate.writebehind.dead_letter_capacity=%d): %s leaves it; it "
			+ "was reported when it failed")
	void deadLetterFull(String prefix, int capacity, FailedWrite oldest);

	@LogMessage(level = WARN)
	@Message(id = 25, value = "%sCannot replay %s: it was kept without its state (keepFailed outside its handler call)")
	void cannotReplayWithoutState(String prefix, FailedWrite write);

	@LogMessage(level = WARN)
	@Message(id = 26, value = "%sDid not replay %s: the id has a newer pending write, or the queue is full")
	void notReplayed(String prefix, FailedWrite write);

	@LogMessage(level = DEBUG)
	@Message(id = 27, value = "%sCould not rebuild the entity of %s")
	void couldNotRebuild(String prefix, Object item, @Cause Throwable cause);

	@LogMessage(level = INFO)
	@Message(id = 28, value = "%sThe EntityManagerFactory is closing while flushing is paused: resumed to drain %d pending write(s)")
	void resumedToClose(String prefix, long pending);

	@LogMessage(level = DEBUG)
	@Message(id = 29, value = "%sRegistered the MBean %s")
	void jmxRegistered(String prefix, Object name);

	@LogMessage(level = INFO)
	@Message(id = 30, value = "%sTransactions run at REPEATABLE READ or above (isolation %d): rows they read from the database "
			+ "may come from an older snapshot and are not cached; write-behind's own writes are. Use READ COMMITTED "
			+ "(hibernate.connection.isolation=2) to let database reads fill the cache too.")
	void snapshotReads(String prefix, int isolation);

	@LogMessage(level = WARN)
	@Message(id = 340, value = "%sThe journal's timer did not stop within %d ms: the journal is closed without its final "
			+ "checkpoint (the next start replays what it still holds, and skips what reached the database)")
	void journalTimerDidNotStop(String prefix, long timeoutMillis);
	// ------------------------------------------------------------------------------------ connections and exit: 320-339

	@LogMessage(level = WARN)
	@Message(id = 320, value = "%sThe connection pool handed the flusher a connection in autocommit mode although %s=true "
			+ "(Hibernate then does not switch it off): write-behind switches autocommit off for each flush "
			+ "transaction and back on after it, so that its transactions stay atomic. Configure the pool with "
			+ "autocommit off (Spring Boot: spring.datasource.hikari.auto-commit=false); the application's own "
			+ "transactions are not atomic on such connections. Logged once.")
	void flusherConnectionInAutocommit(String prefix, String setting);

	@LogMessage(level = WARN)
	@Message(id = 321, value = "%sThe database is an embedded H2 file database (%s), whose JDBC URL options write-behind cannot "
			+ "read: unless the URL has ;DB_CLOSE_ON_EXIT=FALSE, H2 closes the database in its own JVM shutdown hook "
			+ "and the writes still pending at exit (%s=true) are lost. Add ;DB_CLOSE_ON_EXIT=FALSE to the URL.")
	void embeddedH2OptionsUnknown(String prefix, String url, String setting);

	@Message(id = 322, value = "%s%d committed write(s) did NOT reach the database at JVM exit (%s): %s")
	String writesLostAtExit(String prefix, long pending, String why, Map<String, Integer> left);
	// ---------------------------------------------------------------- queries (300-319)

	@LogMessage(level = WARN)
	@Message(id = 300, value = "%sQueries run outside a transaction will not see pending writes, and bulk statements "
			+ "(update/delete queries, native executeUpdate) will neither flush the pending writes of their tables nor "
			+ "clear their cached entries: the factory's JdbcServices is %s, not write-behind's (the service registry "
			+ "was built without the ServiceContributors listed in META-INF/services, or with another JdbcServices). "
			+ "Let Hibernate discover io.writebehind.hibernate.WriteBehindServiceContributor.")
	void queriesOutsideTransactionsNotSeen(String prefix, String jdbcServices);
	// ---------------------------------------------------------------- security (ids 380-399)

	@LogMessage(level = WARN)
	@Message(id = 380, value = "%sIgnored %d coherence message(s) on the %s that were malformed, unsigned or badly signed "
			+ "(the latest: %s): a node with another (or no) hibernate.writebehind.cluster.secret, another "
			+ "version, or someone else publishing on the channel. Logged at most once a minute, with the count since "
			+ "the previous line; all are counted in ClusterStats.malformedMessages")
	void malformedMessages(String prefix, long count, String channel, String latest);

	@LogMessage(level = WARN)
	@Message(id = 381, value = "%sThe journal directory %s (hibernate.writebehind.journal.dir) is readable by other users "
			+ "(permissions %s): the journal holds the state of committed entities, possibly personal data. Run "
			+ "chmod 700 on it (write-behind creates it rwx------ and its files rw-------)")
	void journalDirectoryReadable(String prefix, Object dir, String permissions);

	@LogMessage(level = INFO)
	@Message(id = 382, value = "%sThe journal directory %s is on a file system without POSIX permissions: its files get the "
			+ "directory's access rules (Windows: its ACL); make sure only the application's account can read it")
	void journalWithoutPosixPermissions(String prefix, Object dir);

	@LogMessage(level = DEBUG)
	@Message(id = 383, value = "%sThe cause of the failed write of %s#%s")
	void writeFailedCause(String prefix, String entityName, Object id, @Cause Throwable cause);
	// 360-379: the Spring Boot integration (io.writebehind.spring)

	@LogMessage(level = WARN)
	@Message(id = 360, value = "%s%s is set twice, as the Spring property %s=%s and as spring.jpa.properties.%s=%s: the "
			+ "spring.jpa.properties value is used. Remove one of them.")
	void springPropertyShadowed(String prefix, String key, String springProperty, Object springValue, String key2,
			Object jpaValue);

	@LogMessage(level = DEBUG)
	@Message(id = 361, value = "%sSpring beans told of write-behind events (WriteBehindListener beans): %s")
	void springListenersAdded(String prefix, Object listeners);
}
