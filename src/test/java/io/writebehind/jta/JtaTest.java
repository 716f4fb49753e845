package io.writebehind.jta;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.agroal.api.AgroalDataSource;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.model.Note;
import io.writebehind.testing.Await;
import io.writebehind.testing.LogCapture;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManager;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;

/**
 * Issue 13, point 6: the guarantees under JTA (standalone Narayana, Hibernate's JTA transaction coordinator, an
 * enlisting Agroal pool): only committed transactions are queued; a rollback or setRollbackOnly leaves no trace; of two
 * read-modify-write transactions on one id based on the same version one fails at commit, whether the cache knows the
 * id or not (the commit-time check then reads the database outside the application's transaction); an opted-in and a
 * normal entity commit together or not at all; EntityManagers joined with {@code joinTransaction()} and sessions opened
 * inside the transaction; the flusher's transactions are never part of an application's.
 */
class JtaTest extends WriteBehindTestBase {

	private final TransactionManager tm = NarayanaJta.transactionManager();
	private AgroalDataSource dataSource;
	private final List<AgroalDataSource> closeLater = new ArrayList<>();

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class, Note.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		if ( dataSource == null ) {
			dataSource = NarayanaJta.dataSource( database, schema.url() );
			closeLater.add( dataSource );
		}
		NarayanaJta.properties( properties, dataSource );
	}

	@AfterEach
	void closeJta() throws Exception {
		try {
			if ( tm.getStatus() != Status.STATUS_NO_TRANSACTION ) {
				tm.rollback();
				fail( "a test left a JTA transaction on its thread" );
			}
		}
		finally {
			// the factory first: it drains the queue through the pool
			if ( emf != null && emf.isOpen() ) {
				emf.close();
			}
			closeLater.forEach( AgroalDataSource::close );
		}
	}

	/** Closes this test's factory and builds a new one on the same schema (tables re-created) with more settings. */
	private void reopen(Map<String, Object> overrides) {
		emf.close();
		emf = buildFactory( connections, overrides );
	}

	// ------------------------------------------------------------------------------------------- helpers

	/** Begins a JTA transaction, runs the work with an EntityManager opened inside it, commits. */
	private void jta(Consumer<EntityManager> work) throws Exception {
		tm.begin();
		EntityManager em = emf.createEntityManager();
		try {
			work.accept( em );
		}
		catch (RuntimeException | Error e) {
			tm.rollback();
			throw e;
		}
		finally {
			em.close(); // closed when the transaction completes
		}
		tm.commit();
	}

	/** Like {@link #jta}, but returns whether it committed ({@code false}: it was rolled back at commit). */
	private boolean tryJta(Consumer<EntityManager> work) throws Exception {
		try {
			jta( work );
			return true;
		}
		catch (RollbackException e) {
			return false;
		}
	}

	private Counter find(long id) throws Exception {
		Counter[] found = new Counter[1];
		jta( em -> found[0] = em.find( Counter.class, id ) );
		return found[0];
	}

	private long pending() {
		return writeBehind().stats().pending();
	}

	/**
	 * Whether a JTA commit failed because of write-behind's commit check (Narayana gives the synchronization's exception
	 * as the cause of its {@code RollbackException}), and not, say, because something marked it rollback-only.
	 */
	private static boolean isVersionCheck(Throwable e) {
		for ( Throwable t = e; t != null; t = t.getCause() ) {
			if ( t instanceof org.hibernate.StaleStateException || t instanceof jakarta.persistence.OptimisticLockException ) {
				return true;
			}
		}
		return false;
	}

	// --------------------------------------------------------------------------------------------- tests

	@Test
	void onlyACommittedTransactionIsQueued() throws Exception {
		assertTrue( emf.unwrap( org.hibernate.engine.spi.SessionFactoryImplementor.class ).getServiceRegistry()
				.requireService( org.hibernate.resource.transaction.spi.TransactionCoordinatorBuilder.class ).isJta() );
		jta( em -> em.persist( new Counter( 1L, "one", 5 ) ) );
		assertEquals( 1, pending() );
		assertEquals( 0, count( "select count(*) from wb_counter" ), "write-behind: not written at commit" );
		assertEquals( 5, find( 1L ).getTotal() );
		writeBehind().flush();
		assertEquals( 5, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 0, pending() );
	}

	/**
	 * The hint WB000004 (let the pool hand out connections with autocommit off) is about resource-local transactions:
	 * under JTA the transaction manager begins the transaction and Hibernate reads no such setting, so it is not logged.
	 */
	@Test
	void noAutocommitHintUnderJta() {
		try ( LogCapture logs = LogCapture.start( java.util.logging.Level.INFO, "io.writebehind" ) ) {
			reopen( Map.of( "hibernate.connection.provider_disables_autocommit", "false" ) );
			assertTrue( logs.lines().stream().anyMatch( l -> l.startsWith( "WB000001: " ) ), logs.lines()::toString );
			assertTrue( logs.lines().stream().noneMatch( l -> l.startsWith( "WB000004: " ) ), logs.lines()::toString );
		}
	}

	/** As with resource-local transactions: a JTA transaction on cached opted-in entities borrows no connection. */
	@Test
	void aTransactionOnCachedEntitiesBorrowsNoConnection() throws Exception {
		jta( em -> em.persist( new Counter( 1L, "one", 0 ) ) );
		long acquired = dataSource.getMetrics().acquireCount();
		for ( int i = 0; i < 10; i++ ) {
			jta( em -> em.find( Counter.class, 1L ).increment() );
		}
		assertEquals( acquired, dataSource.getMetrics().acquireCount() );
		writeBehind().flush();
		assertEquals( 10, count( "select total from wb_counter where id = 1" ) );
	}

	@Test
	void aRollbackOrSetRollbackOnlyLeavesNoTrace() throws Exception {
		jta( em -> em.persist( new Counter( 1L, "one", 5 ) ) );
		writeBehind().flush();

		// rollback, after Hibernate flushed (the writes were captured)
		tm.begin();
		EntityManager em = emf.createEntityManager();
		em.find( Counter.class, 1L ).setTotal( 50 );
		em.persist( new Counter( 2L, "two", 2 ) );
		em.flush();
		em.close();
		tm.rollback();

		// setRollbackOnly: commit() rolls back
		tm.begin();
		em = emf.createEntityManager();
		em.find( Counter.class, 1L ).setTotal( 60 );
		em.persist( new Counter( 3L, "three", 3 ) );
		em.close();
		tm.setRollbackOnly();
		assertThrows( RollbackException.class, tm::commit );

		assertEquals( 0, pending() );
		assertEquals( 5, find( 1L ).getTotal() );
		assertEquals( 0, find( 1L ).getVersion() );
		assertNull( find( 2L ) );
		assertNull( find( 3L ) );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
		assertEquals( 5, count( "select total from wb_counter where id = 1" ) );
		// the next transaction on the same ids is not refused
		jta( e -> e.find( Counter.class, 1L ).setTotal( 7 ) );
		jta( e -> e.persist( new Counter( 2L, "two", 2 ) ) );
		writeBehind().flush();
		assertEquals( 7, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 2, count( "select count(*) from wb_counter" ) );
	}

	/**
	 * A transaction the transaction manager rolls back on its timeout (from its reaper thread) leaves no trace, and
	 * holds no id afterwards.
	 */
	@Test
	void aTimedOutTransactionLeavesNoTrace() throws Exception {
		jta( em -> em.persist( new Counter( 1L, "one", 5 ) ) );
		tm.setTransactionTimeout( 1 );
		try {
			tm.begin();
		}
		finally {
			tm.setTransactionTimeout( 0 );
		}
		EntityManager em = emf.createEntityManager();
		em.find( Counter.class, 1L ).setTotal( 50 );
		em.persist( new Counter( 2L, "two", 2 ) );
		em.flush();
		// until the reaper has rolled the transaction back, not only marked it rollback-only (a close in between
		// would come before the reaper's afterCompletion, which Hibernate then has no session to hand to)
		Await.until( java.time.Duration.ofSeconds( 120 ), "the transaction's timeout and rollback", () -> {
			try {
				return tm.getStatus() == Status.STATUS_ROLLEDBACK;
			}
			catch (jakarta.transaction.SystemException e) {
				throw new IllegalStateException( e );
			}
		} );
		// Hibernate completes the session when it is next used on its own thread (here: closed), and says why
		assertThrows( org.hibernate.HibernateException.class, em::close );
		assertThrows( RollbackException.class, tm::commit );
		assertEquals( 5, find( 1L ).getTotal() );
		assertNull( find( 2L ) );
		assertEquals( 1, pending() );
		jta( e -> e.find( Counter.class, 1L ).setTotal( 7 ) ); // the id is not held by the timed-out transaction
		writeBehind().flush();
		assertEquals( 7, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
	}

	@Test
	void ofTwoReadModifyWriteTransactionsOnACachedIdOneFailsAtCommit() throws Exception {
		jta( em -> em.persist( new Counter( 1L, "one", 0 ) ) );
		writeBehind().flush();
		twoTransactionsOnOneId( false );
	}

	/**
	 * The id is not in the cache at commit (maximum_size=0): the commit-time version check reads the database. Under
	 * JTA that read once joined the application's transaction and its rollback marked it rollback-only, so that every
	 * such commit failed.
	 */
	@Test
	void ofTwoReadModifyWriteTransactionsOnAnUncachedIdOneFailsAtCommit() throws Exception {
		reopen( Map.of( WriteBehindSettings.CACHE_MAXIMUM_SIZE, "0" ) );
		update( "insert into wb_counter (id, name, total, version) values (1, 'db', 0, 0)" );
		twoTransactionsOnOneId( true );
	}

	/**
	 * T1 reads the row and is suspended; T2 reads it too, increments and commits; T1 increments and must fail at commit.
	 * With {@code flushBetween}, T2's write is in the database and no longer cached when T1 commits.
	 */
	private void twoTransactionsOnOneId(boolean flushBetween) throws Exception {
		tm.begin();
		EntityManager em1 = emf.createEntityManager();
		em1.find( Counter.class, 1L ).increment();
		Transaction t1 = tm.suspend();

		assertTrue( tryJta( em -> em.find( Counter.class, 1L ).increment() ),
				"T2, the only transaction on the id at its commit, must commit" );
		if ( flushBetween ) {
			writeBehind().flush();
			assertEquals( 1, count( "select version from wb_counter where id = 1" ) );
		}

		tm.resume( t1 );
		em1.close();
		RollbackException failed = assertThrows( RollbackException.class, tm::commit,
				"T1 was based on the version T2 replaced" );
		assertTrue( isVersionCheck( failed ), "not the version check: " + failed );

		writeBehind().flush();
		assertEquals( 1, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 1, count( "select version from wb_counter where id = 1" ) );
		assertEquals( 1, find( 1L ).getTotal() );
		// and the next read-modify-write commits
		assertTrue( tryJta( em -> em.find( Counter.class, 1L ).increment() ) );
		writeBehind().flush();
		assertEquals( 2, count( "select total from wb_counter where id = 1" ) );
	}

	/** An update of a row that the cache does not hold (written by someone else, or evicted) commits under JTA. */
	@Test
	void anUpdateOfAnUncachedRowCommits() throws Exception {
		reopen( Map.of( WriteBehindSettings.CACHE_MAXIMUM_SIZE, "0" ) );
		update( "insert into wb_counter (id, name, total, version) values (1, 'db', 10, 3)" );
		update( "insert into wb_note (id, text) values (1, 'before')" );
		jta( em -> {
			em.find( Counter.class, 1L ).increment();
			em.find( Note.class, 1L ).setText( "after" );
		} );
		writeBehind().flush();
		assertEquals( 11, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 4, count( "select version from wb_counter where id = 1" ) );
		assertEquals( 1, count( "select count(*) from wb_note where text = 'after'" ) );
	}

	/**
	 * Many threads increment a few ids in JTA transactions, retrying what fails at commit, while another thread keeps
	 * flushing (so that ids keep leaving the cache, maximum_size=0, or stay cached): every increment that committed is
	 * in the database, and none that failed.
	 */
	/** The read cache: the default, or none ({@code cache.maximum_size} 0: every read goes to the database). */
	enum Caching {
		CACHED( Map.of() ),
		UNCACHED( Map.of( WriteBehindSettings.CACHE_MAXIMUM_SIZE, "0" ) );

		final Map<String, Object> settings;

		Caching(Map<String, Object> settings) {
			this.settings = settings;
		}
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource
	void concurrentIncrementsLoseNothing(Caching caching) throws Exception {
		concurrentIncrements( caching.settings );
	}

	private void concurrentIncrements(Map<String, Object> settings) throws Exception {
		reopen( settings );
		int ids = 3;
		int threads = 6;
		int incrementsPerThread = 60;
		for ( long id = 0; id < ids; id++ ) {
			update( "insert into wb_counter (id, name, total, version) values (?, 'db', 0, 0)", id );
		}
		AtomicLongArray committed = new AtomicLongArray( ids );
		AtomicLongArray refused = new AtomicLongArray( ids );
		AtomicBoolean done = new AtomicBoolean();
		ExecutorService pool = Executors.newFixedThreadPool( threads + 1 );
		try {
			Future<?> flusher = pool.submit( () -> {
				while ( !done.get() ) {
					writeBehind().flush();
					Thread.yield();
				}
				return null;
			} );
			List<Future<?>> workers = new ArrayList<>();
			for ( int t = 0; t < threads; t++ ) {
				int thread = t;
				workers.add( pool.submit( () -> {
					for ( int i = 0; i < incrementsPerThread; i++ ) {
						int id = ( thread + i ) % ids;
						for ( int attempt = 0; ; attempt++ ) {
							assertTrue( attempt < 10_000, "an increment was refused 10000 times in a row" );
							if ( tryJta( em -> em.find( Counter.class, (long) id ).increment() ) ) {
								committed.incrementAndGet( id );
								break;
							}
							refused.incrementAndGet( id );
						}
					}
					return null;
				} ) );
			}
			for ( Future<?> worker : workers ) {
				worker.get( 10, TimeUnit.MINUTES );
			}
			done.set( true );
			flusher.get( 10, TimeUnit.MINUTES );
		}
		finally {
			done.set( true );
			pool.shutdownNow();
		}
		writeBehind().flush();
		System.out.printf( "JTA increments %s: committed %s, refused at commit %s%n", settings, committed, refused );
		for ( long id = 0; id < ids; id++ ) {
			long expected = committed.get( (int) id );
			long databaseId = id;
			long cached = find( id ).getTotal();
			// on a mismatch, say whether the missing increments went to a failed write or were never queued
			assertEquals( expected, count( "select total from wb_counter where id = ?", id ), () -> "id " + databaseId
					+ " in the database; conflicts " + writeBehind().stats().conflicts() + ", failed writes "
					+ writeBehind().failedWrites() + ", cached total " + cached );
			assertEquals( expected, cached, "id " + id );
		}
		assertEquals( 0, writeBehind().stats().conflicts(), () -> writeBehind().failedWrites().toString() );
		assertEquals( 0, writeBehind().stats().failed(), () -> writeBehind().failedWrites().toString() );
	}

	@Test
	void anOptedInAndANormalEntityCommitTogether() throws Exception {
		jta( em -> {
			em.persist( new Counter( 1L, "one", 1 ) );
			em.persist( new Note( 1L, "one" ) );
		} );
		assertEquals( 1, count( "select count(*) from wb_note" ), "the normal entity: written in the JTA transaction" );
		assertEquals( 1, pending() );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
	}

	/** The normal entity's INSERT fails (duplicate key): the opted-in entity's write is not queued either. */
	@Test
	void whenTheNormalEntityFailsTheOptedInWriteIsNotQueued() throws Exception {
		update( "insert into wb_note (id, text) values (1, 'there')" );
		tm.begin();
		EntityManager em = emf.createEntityManager();
		em.persist( new Counter( 1L, "one", 1 ) );
		em.persist( new Note( 1L, "duplicate" ) );
		em.close();
		assertThrows( RollbackException.class, tm::commit );
		assertEquals( 0, pending() );
		assertNull( find( 1L ) );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		assertEquals( 1, count( "select count(*) from wb_note" ) );
	}

	/** The opted-in entity's check fails at commit (stale version): the normal entity's row is rolled back too. */
	@Test
	void whenTheOptedInWriteIsRefusedTheNormalEntityIsRolledBack() throws Exception {
		jta( em -> em.persist( new Counter( 1L, "one", 0 ) ) );
		tm.begin();
		EntityManager em1 = emf.createEntityManager();
		em1.find( Counter.class, 1L ).increment();
		em1.persist( new Note( 1L, "with the stale increment" ) );
		Transaction t1 = tm.suspend();
		jta( em -> em.find( Counter.class, 1L ).increment() );
		tm.resume( t1 );
		em1.close();
		assertThrows( RollbackException.class, tm::commit );
		assertEquals( 0, count( "select count(*) from wb_note" ) );
		writeBehind().flush();
		assertEquals( 1, count( "select total from wb_counter where id = 1" ) );
	}

	/**
	 * Write-behind's check passes, but the transaction fails after it (another resource votes rollback at prepare): the
	 * normal entity's row is rolled back and the opted-in write is not queued.
	 */
	@Test
	void whenAnotherResourceFailsAfterTheCheckNeitherIsWritten() throws Exception {
		jta( em -> em.persist( new Counter( 1L, "one", 0 ) ) );
		tm.begin();
		EntityManager em = emf.createEntityManager();
		em.find( Counter.class, 1L ).setTotal( 99 );
		em.persist( new Counter( 2L, "two", 2 ) );
		em.persist( new Note( 1L, "one" ) );
		em.close();
		tm.getTransaction().enlistResource( new RollbackAtPrepare() );
		assertThrows( RollbackException.class, tm::commit );
		assertEquals( 0, count( "select count(*) from wb_note" ) );
		assertEquals( 1, pending(), "only the first commit's insert" );
		assertEquals( 0, find( 1L ).getTotal() );
		assertNull( find( 2L ) );
		writeBehind().flush();
		assertEquals( 0, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
	}

	/** An EntityManager created before the transaction and joined to it with {@code joinTransaction()}. */
	@Test
	void anEntityManagerJoinedToATransactionManagerTransaction() throws Exception {
		jta( em -> em.persist( new Counter( 1L, "one", 0 ) ) );
		EntityManager em = emf.createEntityManager();
		try {
			tm.begin();
			em.joinTransaction();
			assertTrue( em.isJoinedToTransaction() );
			em.find( Counter.class, 1L ).increment();
			em.persist( new Note( 1L, "joined" ) );
			tm.commit();

			tm.begin();
			em.joinTransaction();
			em.find( Counter.class, 1L ).setTotal( 100 );
			em.persist( new Counter( 2L, "rolled back", 0 ) );
			em.flush();
			tm.rollback();
		}
		finally {
			em.close();
		}
		assertEquals( 1, count( "select count(*) from wb_note" ) );
		assertEquals( 1, find( 1L ).getTotal() );
		assertNull( find( 2L ) );
		writeBehind().flush();
		assertEquals( 1, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
	}

	/** Hibernate sessions opened inside the JTA transaction, and the JTA current session, join it. */
	@Test
	void aSessionOpenedInsideTheTransaction() throws Exception {
		SessionFactory sessionFactory = emf.unwrap( SessionFactory.class );
		tm.begin();
		try ( Session session = sessionFactory.openSession() ) {
			session.persist( new Counter( 1L, "opened", 1 ) );
		}
		sessionFactory.getCurrentSession().persist( new Counter( 2L, "current", 2 ) );
		tm.commit();

		tm.begin();
		try ( Session session = sessionFactory.openSession() ) {
			session.find( Counter.class, 1L ).setTotal( 10 );
			session.flush();
		}
		tm.rollback();

		assertEquals( 2, pending() );
		assertEquals( 1, find( 1L ).getTotal() );
		writeBehind().flush();
		assertEquals( 1, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 2, count( "select total from wb_counter where id = 2" ) );
	}

	/**
	 * What the flusher writes while an application's JTA transaction is active (a flush() or a query inside it) is in
	 * its own transaction: the application's rollback does not undo it.
	 */
	@Test
	void theFlusherNeverJoinsTheApplicationsTransaction() throws Exception {
		jta( em -> em.persist( new Counter( 1L, "one", 1 ) ) );
		jta( em -> em.persist( new Counter( 2L, "two", 2 ) ) );
		tm.begin();
		EntityManager em = emf.createEntityManager();
		em.persist( new Note( 1L, "rolled back" ) );
		em.flush();
		writeBehind().flush();
		assertEquals( 2, count( "select count(*) from wb_counter" ) );
		Transaction application = tm.suspend();
		jta( other -> other.persist( new Counter( 3L, "three", 3 ) ) );
		tm.resume( application );
		assertEquals( 3L, em.createQuery( "select count(c) from Counter c", Long.class ).getSingleResult(),
				"the query flushed the pending write first" );
		em.close();
		tm.rollback();
		assertEquals( 0, count( "select count(*) from wb_note" ) );
		assertEquals( 3, count( "select count(*) from wb_counter" ) );
		assertEquals( 0, pending() );
	}

	/**
	 * The flusher's own JTA transactions sort failures as with resource-local ones: a row changed behind write-behind's
	 * back is a conflict, and a write the database refuses (an id it already holds) fails alone while the writes
	 * flushed with it land.
	 */
	@Test
	void theFlushersJtaTransactionsReportConflictsAndFailedWritesExactly() throws Exception {
		jta( em -> em.persist( new Counter( 1L, "one", 0 ) ) );
		writeBehind().flush();
		update( "update wb_counter set version = 5, total = 500 where id = 1" ); // behind write-behind's back
		jta( em -> em.find( Counter.class, 1L ).increment() );
		update( "insert into wb_counter (id, name, total, version) values (10, 'db', 0, 0)" );
		jta( em -> {
			em.persist( new Counter( 10L, "duplicate", 1 ) );
			em.persist( new Counter( 11L, "eleven", 11 ) );
			em.persist( new Counter( 12L, "twelve", 12 ) );
		} );
		writeBehind().flush();
		assertEquals( 1, writeBehind().stats().conflicts() );
		assertEquals( 1, writeBehind().stats().failed() );
		assertEquals( List.of( "1 " + io.writebehind.FailedWrite.Reason.CONFLICT, "10 " + io.writebehind.FailedWrite.Reason.FAILED ),
				writeBehind().failedWrites().stream().map( f -> f.id() + " " + f.reason() ).sorted().toList() );
		assertEquals( 500, count( "select total from wb_counter where id = 1" ), "the row changed outside stays" );
		assertEquals( 0, count( "select total from wb_counter where id = 10" ) );
		assertEquals( 23, count( "select sum(total) from wb_counter where id in (11, 12)" ) );
	}

	/** An XA resource of another system that votes to roll back. */
	private static final class RollbackAtPrepare implements XAResource {
		@Override
		public void commit(Xid xid, boolean onePhase) throws XAException {
			throw new XAException( XAException.XAER_PROTO );
		}

		@Override
		public void end(Xid xid, int flags) {
		}

		@Override
		public void forget(Xid xid) {
		}

		@Override
		public int getTransactionTimeout() {
			return 0;
		}

		@Override
		public boolean isSameRM(XAResource other) {
			return other == this;
		}

		@Override
		public int prepare(Xid xid) throws XAException {
			throw new XAException( XAException.XA_RBROLLBACK );
		}

		@Override
		public Xid[] recover(int flag) {
			return new Xid[0];
		}

		@Override
		public void rollback(Xid xid) {
		}

		@Override
		public boolean setTransactionTimeout(int seconds) {
			return false;
		}

		@Override
		public void start(Xid xid, int flags) {
		}
	}
}
