package io.writebehind.failures;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.FailedWrite;
import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteFailureHandler;
import io.writebehind.testing.WriteBehindTestBase;

/** Issue 5, points 3 and 4: one write the database refuses never holds back the others; failure handling. */
class PoisonWriteTest extends WriteBehindTestBase {

	/** A failure handler set by class name: collects what it is given. */
	public static class Collecting implements WriteFailureHandler {
		static final List<FailedWrite> RECEIVED = new ArrayList<>();

		@Override
		public void onFailure(FailedWrite write) {
			synchronized ( RECEIVED ) {
				RECEIVED.add( write );
			}
		}
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Account.class };
	}

	@Test
	void aBadWriteIsIsolatedByBisectionAndTheGoodOnesLandOnce() {
		inTransaction( em -> {
			for ( long id = 1; id <= 128; id++ ) {
				em.persist( new Account( id, id == 77 ? "much too long" : "ok", id ) );
			}
		} );
		writeBehind().flush();
		assertEquals( 127, count( "select count(*) from wbf_account" ) );
		assertEquals( 0, count( "select count(*) from wbf_account where id = 77" ) );
		assertEquals( 127, writeBehind().stats().flushed() );
		assertEquals( 1, writeBehind().stats().failed() );
		// bisection: about two transactions per halving (log2(128) = 7), not one per row
		long insertExecutions = connections.sql().executions( "insert", "wbf_account" );
		assertTrue( insertExecutions <= 2 + 2 * 8, "insert executions: " + insertExecutions );
		FailedWrite failed = writeBehind().failedWrites().get( 0 );
		assertEquals( 77L, failed.id() );
		assertEquals( FailedWrite.Reason.FAILED, failed.reason() );
		assertEquals( FailedWrite.Operation.INSERT, failed.operation() );
		assertEquals( Account.class.getName(), failed.entityName() );
		assertEquals( "much too long", ( (Account) failed.entity() ).getCode() );
		assertEquals( 1, failed.attempts() );
		assertNotNull( failed.cause() );
		// the cache does not serve a state that will not reach the database
		assertNull( fromTransaction( em -> em.find( Account.class, 77L ) ) );
	}

	@Test
	void failedWritesCanBeReplayedOrDiscarded() {
		inTransaction( em -> em.persist( new Account( 1L, "ok", 1 ) ) );
		writeBehind().flush();
		inTransaction( em -> em.find( Account.class, 1L ).setCode( "far too long" ) );
		inTransaction( em -> em.persist( new Account( 2L, "also too long", 2 ) ) );
		writeBehind().flush();
		assertEquals( 2, writeBehind().failedWrites().size() );
		assertEquals( "ok", fromTransaction( em -> em.find( Account.class, 1L ) ).getCode() );
		// the operator widens the column, then replays
		widenCodeColumn();
		assertEquals( 2, writeBehind().retryFailed() );
		assertTrue( writeBehind().failedWrites().isEmpty() );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wbf_account where id = 1 and code = 'far too long'" ) );
		assertEquals( 1, count( "select count(*) from wbf_account where id = 2 and code = 'also too long'" ) );
		assertEquals( "far too long", fromTransaction( em -> em.find( Account.class, 1L ) ).getCode() );
		inTransaction( em -> em.find( Account.class, 1L ).setBalance( 10 ) );
		writeBehind().flush();
		assertEquals( 10, count( "select balance from wbf_account where id = 1" ) );
		assertEquals( 0, writeBehind().stats().conflicts() );

		inTransaction( em -> em.persist( new Account( 3L, "x".repeat( 100 ), 3 ) ) );
		writeBehind().flush();
		assertEquals( 1, writeBehind().discardFailed() );
		assertTrue( writeBehind().failedWrites().isEmpty() );
	}

	private void widenCodeColumn() {
		String sql = switch ( database ) {
			case H2 -> "alter table wbf_account alter column code varchar(64)";
			case POSTGRESQL -> "alter table wbf_account alter column code type varchar(64)";
			case MARIADB -> "alter table wbf_account modify code varchar(64)";
		};
		update( sql );
	}

	@Test
	void aCustomHandlerSetByClassNameReceivesEachFailure() {
		Collecting.RECEIVED.clear();
		emf.close();
		emf = buildFactory( connections, Map.of( WriteBehindSettings.FAILURE_HANDLER, Collecting.class.getName(),
				"hibernate.hbm2ddl.auto", "none" ) );
		inTransaction( em -> em.persist( new Account( 1L, "way too long", 1 ) ) );
		inTransaction( em -> em.persist( new Account( 2L, "fine", 1 ) ) );
		writeBehind().flush();
		assertEquals( 1, Collecting.RECEIVED.size() );
		assertEquals( 1L, Collecting.RECEIVED.get( 0 ).id() );
		assertTrue( writeBehind().failedWrites().isEmpty(), "a custom handler replaces the default list" );
		assertEquals( 1, writeBehind().stats().failed() );
	}

	@Test
	void aHandlerThatThrowsNeverStopsTheFlusherAndKeepFailedKeepsTheWrite() {
		writeBehind().failureHandler( write -> {
			if ( write.id().equals( 1L ) ) {
				writeBehind().keepFailed( write );
				return;
			}
			throw new IllegalStateException( "handler bug" );
		} );
		inTransaction( em -> em.persist( new Account( 1L, "way too long", 1 ) ) );
		inTransaction( em -> em.persist( new Account( 2L, "also way too long", 1 ) ) );
		inTransaction( em -> em.persist( new Account( 3L, "fine", 1 ) ) );
		writeBehind().flush();
		assertEquals( 2, writeBehind().failedWrites().size() );
		inTransaction( em -> em.persist( new Account( 4L, "fine", 1 ) ) );
		writeBehind().flush();
		assertEquals( 2, count( "select count(*) from wbf_account" ) );
		widenCodeColumn();
		assertEquals( 2, writeBehind().retryFailed() );
		writeBehind().flush();
		assertEquals( 4, count( "select count(*) from wbf_account" ) );
	}

	@Test
	void badSettingsOfTheHandlerAndPolicyFailTheBoot() {
		RuntimeException failure = assertThrows( RuntimeException.class,
				() -> buildFactory( connections, Map.of( WriteBehindSettings.FAILURE_HANDLER, "com.example.Missing" ) ) );
		assertTrue( messages( failure ).contains( "hibernate.writebehind.failure_handler was 'com.example.Missing': no such class" ),
				messages( failure ) );
		failure = assertThrows( RuntimeException.class,
				() -> buildFactory( connections, Map.of( WriteBehindSettings.CONFLICT_POLICY, "newest" ) ) );
		assertTrue( messages( failure ).contains( "hibernate.writebehind.conflict_policy was 'newest', must be FAIL, DATABASE_WINS, "
				+ "LAST_WRITE_WINS or the class name of a io.writebehind.ConflictResolver" ), messages( failure ) );
	}

	static String messages(Throwable e) {
		StringBuilder sb = new StringBuilder();
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			sb.append( t.getMessage() ).append( " | " );
		}
		return sb.toString();
	}
}
