package io.writebehind.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what the library (and any other logger named) logs through java.util.logging, which JBoss Logging uses in
 * the tests, at the given level and above, until closed; closing restores each logger's level.
 *
 * <pre>{@code
 * try ( LogCapture logs = LogCapture.start( Level.INFO, "io.writebehind" ) ) {
 *     ...
 *     assertTrue( logs.lines().stream().anyMatch( l -> l.startsWith( "WB000001: " ) ) );
 * }
 * }</pre>
 *
 * Thread-safe: records arrive from any thread.
 */
public final class LogCapture implements AutoCloseable {

	private final List<LogRecord> records = new CopyOnWriteArrayList<>();
	/** The loggers and their levels before; strong references, as java.util.logging keeps loggers weakly. */
	private final Map<Logger, Level> loggers = new LinkedHashMap<>();
	private final Handler handler = new Handler() {
		@Override
		public void publish(LogRecord record) {
			records.add( record );
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}
	};

	private LogCapture() {
	}

	/** Starts recording the named loggers at {@code level} and above. */
	public static LogCapture start(Level level, String... loggerNames) {
		LogCapture capture = new LogCapture();
		for ( String name : loggerNames ) {
			Logger logger = Logger.getLogger( name );
			capture.loggers.put( logger, logger.getLevel() );
			logger.setLevel( level );
			logger.addHandler( capture.handler );
		}
		return capture;
	}

	/** Starts recording, with a level per logger name. */
	public static LogCapture start(Map<String, Level> levels) {
		LogCapture capture = new LogCapture();
		levels.forEach( (name, level) -> {
			Logger logger = Logger.getLogger( name );
			capture.loggers.put( logger, logger.getLevel() );
			logger.setLevel( level );
			logger.addHandler( capture.handler );
		} );
		return capture;
	}

	/** The records so far, oldest first (a live, thread-safe list). */
	public List<LogRecord> records() {
		return records;
	}

	/** The formatted messages so far, oldest first. */
	public List<String> lines() {
		List<String> lines = new ArrayList<>( records.size() );
		for ( LogRecord record : records ) {
			lines.add( message( record ) );
		}
		return lines;
	}

	/** The record's message with its parameters filled in (JBoss Logging formats with {@code String.format}). */
	public static String message(LogRecord record) {
		return record.getParameters() == null ? record.getMessage()
				: String.format( record.getMessage(), record.getParameters() );
	}

	/** The record's message followed by every exception of its cause chain ({@code " | " + toString()}). */
	public static String messageWithCauses(LogRecord record) {
		StringBuilder text = new StringBuilder( message( record ) );
		for ( Throwable t = record.getThrown(); t != null; t = t.getCause() == t ? null : t.getCause() ) {
			text.append( " | " ).append( t );
		}
		return text.toString();
	}

	/** Forgets the records so far. */
	public void clear() {
		records.clear();
	}

	@Override
	public void close() {
		loggers.forEach( (logger, level) -> {
			logger.removeHandler( handler );
			logger.setLevel( level );
		} );
	}
}
