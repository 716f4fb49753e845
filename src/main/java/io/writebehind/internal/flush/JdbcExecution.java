package io.writebehind.internal.flush;

import java.sql.PreparedStatement;
import java.sql.SQLException;

import org.hibernate.engine.jdbc.spi.JdbcCoordinator;
import org.hibernate.event.monitor.spi.DiagnosticEvent;
import org.hibernate.event.monitor.spi.EventMonitor;
import org.hibernate.resource.jdbc.spi.JdbcEventHandler;

/**
 * Executes the direct path's statements as Hibernate's own batches and mutations do, so that what observes Hibernate's
 * JDBC work sees the flusher's too: the session's {@link JdbcEventHandler} (the session events of
 * {@code hibernate.session.events.auto}, and the per-session metrics Hibernate logs with
 * {@code hibernate.generate_statistics}) and the {@link EventMonitor}'s diagnostic events (JFR's
 * {@code org.hibernate.orm.jdbc.*} events with hibernate-jfr). SQL exceptions are left to the caller, which
 * tells a refused statement from a failed row.
 */
final class JdbcExecution {

	private JdbcExecution() {
	}

	static int[] executeBatch(JdbcCoordinator jdbc, PreparedStatement statement, String sql) throws SQLException {
		EventMonitor monitor = jdbc.getJdbcSessionOwner().getEventMonitor();
		JdbcEventHandler events = jdbc.getJdbcSessionOwner().getJdbcSessionContext().getEventHandler();
		DiagnosticEvent event = monitor.beginJdbcBatchExecutionEvent();
		events.jdbcExecuteBatchStart();
		try {
			return statement.executeBatch();
		}
		finally {
			monitor.completeJdbcBatchExecutionEvent( event, sql );
			events.jdbcExecuteBatchEnd();
		}
	}

	static int executeUpdate(JdbcCoordinator jdbc, PreparedStatement statement, String sql) throws SQLException {
		EventMonitor monitor = jdbc.getJdbcSessionOwner().getEventMonitor();
		JdbcEventHandler events = jdbc.getJdbcSessionOwner().getJdbcSessionContext().getEventHandler();
		DiagnosticEvent event = monitor.beginJdbcPreparedStatementExecutionEvent();
		events.jdbcExecuteStatementStart();
		try {
			return statement.executeUpdate();
		}
		finally {
			monitor.completeJdbcPreparedStatementExecutionEvent( event, sql );
			events.jdbcExecuteStatementEnd();
		}
	}
}
