package io.writebehind;

/**
 * Receives each committed write that cannot reach the database: refused permanently by the database (constraint
 * violation, value too long, ...) or a conflict that the conflict policy left to failure handling. Set it with
 * {@code hibernate.writebehind.failure_handler} (a class name with a public no-argument constructor, or an instance in
 * the settings map) or with {@link WriteBehind#failureHandler(WriteFailureHandler)}.
 * <p>
 * The default handler logs at ERROR and keeps the write in the bounded list of {@link WriteBehind#failedWrites()}, from
 * which an operator can {@linkplain WriteBehind#retryFailed() replay} or {@linkplain WriteBehind#discardFailed() drop}
 * it. A custom handler replaces that; call {@link WriteBehind#keepFailed(FailedWrite)} from it to keep the default list
 * too. Handlers run on a flusher thread: be quick and thread-safe. An exception thrown by a handler is logged and
 * never stops the flusher.
 */
@FunctionalInterface
public interface WriteFailureHandler {

	void onFailure(FailedWrite write);
}
