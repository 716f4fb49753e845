package io.writebehind.integration;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import java.util.function.Function;

import org.hibernate.exception.ConstraintViolationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.orm.ObjectOptimisticLockingFailureException;
import org.springframework.orm.jpa.EntityManagerFactoryUtils;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindQueueFullException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.model.Counter;
import io.writebehind.testing.SpringJpa;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockTimeoutException;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PessimisticLockException;
import jakarta.persistence.QueryTimeoutException;
import jakarta.persistence.RollbackException;

/**
 * Issue 13 point 3: a commit write-behind refuses reaches JPA users and Spring users as the exception plain Hibernate
 * gives them in the same situation, side by side with plain Hibernate on a normal entity of the same shape
 * ({@link PlainCounter}): a duplicate id, a version conflict; and the full queue (and a flush before a query that
 * timed out) as exceptions a retry template recognises as transient. JPA: {@code em.getTransaction().commit()}.
 * Spring: {@code JpaTransactionManager} with {@code HibernateJpaDialect} through a {@code TransactionTemplate}, on
 * Spring's factory proxy; {@code PersistenceExceptionTranslationPostProcessor} semantics through the factory bean's
 * translator.
 */
class ExceptionTranslationTest extends WriteBehindTestBase {

	private SpringJpa spring;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class, PlainCounter.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.QUEUE_CAPACITY, "2" );
		properties.put( WriteBehindSettings.QUEUE_FULL_TIMEOUT_MS, "50" );
		properties.put( "hibernate.hbm2ddl.auto", "update" ); // the Spring factory shares the schema
	}

	@BeforeEach
	void springFactory() {
		Map<String, Object> properties = defaultProperties( connections );
		properties( properties );
		baseFlushSizeWithin( properties );
		spring = new SpringJpa( "spring-exceptions", properties, Counter.class, PlainCounter.class );
	}

	@AfterEach
	void closeSpring() {
		if ( spring != null ) {
			spring.close();
		}
	}

	// ------------------------------------------------------------------------------------------------ duplicate id

	@Test
	void aDuplicateIdFailsTheJpaCommitAsPlainHibernateDoes() {
		RollbackException plain = duplicateJpa( id -> new PlainCounter( id, 1 ) );
		RollbackException ours = duplicateJpa( id -> new Counter( id, "a", 1 ) );
		assertInstanceOf( ConstraintViolationException.class, plain.getCause(), plain.toString() );
		assertEquals( plain.getCause().getClass(), ours.getCause().getClass(), ours.toString() );
		ConstraintViolationException violation = (ConstraintViolationException) ours.getCause();
		assertEquals( ConstraintViolationException.ConstraintKind.UNIQUE, violation.getKind() );
		assertTrue( violation.getSQLState().startsWith( "23" ), violation.getSQLState() );
		assertTrue( violation.getMessage().contains( Counter.class.getName() + " with id 10 already exists" ),
				violation.getMessage() );
		assertEquals( 1, count( "select count(*) from wb_plain_counter" ) );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
	}

	private RollbackException duplicateJpa(Function<Long, Object> entity) {
		inTransaction( em -> em.persist( entity.apply( 10L ) ) );
		EntityManager em = emf.createEntityManager();
		try {
			em.getTransaction().begin();
			em.persist( entity.apply( 10L ) );
			return assertThrows( RollbackException.class, () -> em.getTransaction().commit() );
		}
		finally {
			em.close();
		}
	}

	@Test
	void aDuplicateIdReachesSpringAsPlainHibernatesDoes() {
		DataAccessException plain = duplicateSpring( id -> new PlainCounter( id, 1 ) );
		DataAccessException ours = duplicateSpring( id -> new Counter( id, "a", 1 ) );
		assertInstanceOf( DataIntegrityViolationException.class, plain, plain.toString() );
		assertEquals( plain.getClass(), ours.getClass(), ours.toString() );
		assertInstanceOf( ConstraintViolationException.class, ours.getCause(), ours.toString() );
	}

	private DataAccessException duplicateSpring(Function<Long, Object> entity) {
		TransactionTemplate transactions = spring.transactions();
		transactions.executeWithoutResult( status -> springEm().persist( entity.apply( 20L ) ) );
		return assertThrows( DataAccessException.class,
				() -> transactions.executeWithoutResult( status -> springEm().persist( entity.apply( 20L ) ) ) );
	}

	// ------------------------------------------------------------------------------------------------ version conflict

	@Test
	void aVersionConflictFailsTheJpaCommitAsPlainHibernateDoes() {
		RollbackException plain = conflictJpa( PlainCounter.class, new PlainCounter( 30L, 0 ) );
		RollbackException ours = conflictJpa( Counter.class, new Counter( 30L, "a", 0 ) );
		assertInstanceOf( OptimisticLockException.class, plain.getCause(), plain.toString() );
		assertEquals( plain.getCause().getClass(), ours.getCause().getClass(), ours.toString() );
		assertEquals( plain.getCause().getCause().getClass(), ours.getCause().getCause().getClass(), ours.toString() );
	}

	private <T> RollbackException conflictJpa(Class<T> type, T entity) {
		inTransaction( em -> em.persist( entity ) );
		EntityManager slow = emf.createEntityManager();
		try {
			slow.getTransaction().begin();
			T stale = slow.find( type, 30L );
			inTransaction( em -> increment( em.find( type, 30L ) ) );
			increment( stale );
			return assertThrows( RollbackException.class, () -> slow.getTransaction().commit() );
		}
		finally {
			slow.close();
		}
	}

	@Test
	void aVersionConflictReachesSpringAsPlainHibernatesDoes() {
		DataAccessException plain = conflictSpring( PlainCounter.class, new PlainCounter( 40L, 0 ) );
		DataAccessException ours = conflictSpring( Counter.class, new Counter( 40L, "a", 0 ) );
		assertInstanceOf( ObjectOptimisticLockingFailureException.class, plain, plain.toString() );
		assertEquals( plain.getClass(), ours.getClass(), ours.toString() );
		assertEquals( Counter.class.getName(), ( (ObjectOptimisticLockingFailureException) ours ).getPersistentClassName() );
	}

	private <T> DataAccessException conflictSpring(Class<T> type, T entity) {
		TransactionTemplate transactions = spring.transactions();
		TransactionTemplate requiresNew = spring.transactions();
		requiresNew.setPropagationBehavior( TransactionDefinition.PROPAGATION_REQUIRES_NEW );
		transactions.executeWithoutResult( status -> springEm().persist( entity ) );
		return assertThrows( DataAccessException.class, () -> transactions.executeWithoutResult( status -> {
			T stale = springEm().find( type, 40L );
			requiresNew.executeWithoutResult( inner -> increment( springEm().find( type, 40L ) ) );
			increment( stale );
		} ) );
	}

	private static void increment(Object entity) {
		if ( entity instanceof Counter counter ) {
			counter.increment();
		}
		else {
			( (PlainCounter) entity ).increment();
		}
	}

	// ------------------------------------------------------------------------------------------------ queue full

	@Test
	void aFullQueueFailsTheJpaCommitAsALockTimeoutDoes() {
		writeBehind().pause(); // nothing drains: the queue fills up
		inTransaction( em -> em.persist( new Counter( 50L, "a", 1 ) ) );
		inTransaction( em -> em.persist( new Counter( 51L, "b", 1 ) ) );
		EntityManager em = emf.createEntityManager();
		try {
			em.getTransaction().begin();
			em.persist( new Counter( 52L, "refused", 1 ) );
			RollbackException refused = assertThrows( RollbackException.class, () -> em.getTransaction().commit() );
			// Hibernate converts a lock timeout to LockTimeoutException, or PessimisticLockException where the
			// database rolls the transaction back on any error (PostgreSQL)
			Throwable jpa = refused.getCause();
			assertTrue( jpa instanceof LockTimeoutException || jpa instanceof PessimisticLockException, refused.toString() );
			assertInstanceOf( WriteBehindQueueFullException.class, jpa.getCause(), refused.toString() );
			assertTrue( jpa.getCause().getMessage().contains( "queue is full" ), jpa.getCause().getMessage() );
		}
		finally {
			em.close();
		}
		writeBehind().resume();
		writeBehind().flush();
		assertEquals( 2, count( "select count(*) from wb_counter" ) );
	}

	@Test
	void aFullQueueReachesSpringAsATransientFailureThatARetryWouldOvercome() {
		WriteBehind writeBehind = WriteBehind.of( spring.factory() );
		writeBehind.pause();
		TransactionTemplate transactions = spring.transactions();
		transactions.executeWithoutResult( status -> springEm().persist( new Counter( 60L, "a", 1 ) ) );
		transactions.executeWithoutResult( status -> springEm().persist( new Counter( 61L, "b", 1 ) ) );
		DataAccessException refused = assertThrows( DataAccessException.class,
				() -> transactions.executeWithoutResult( status -> springEm().persist( new Counter( 62L, "c", 1 ) ) ) );
		assertInstanceOf( TransientDataAccessException.class, refused, refused.toString() );
		assertInstanceOf( CannotAcquireLockException.class, refused, refused.toString() );
		assertInstanceOf( WriteBehindQueueFullException.class, refused.getCause(), refused.toString() );
		// the retry a retry template would make succeeds once room is free
		writeBehind.resume();
		writeBehind.flush();
		transactions.executeWithoutResult( status -> springEm().persist( new Counter( 62L, "c", 1 ) ) );
		writeBehind.flush();
		assertEquals( 3, count( "select count(*) from wb_counter" ) );
	}

	// ------------------------------------------------------------------------------------------------ query flush timeout

	@Test
	void aQueryWhosePendingWritesCannotBeFlushedInTimeFailsAsAQueryTimeout() {
		try ( var timing = buildFactory( connections, Map.of( WriteBehindSettings.SHUTDOWN_TIMEOUT_MS, "100", WriteBehindSettings.READ_FLUSH_TIMEOUT_MS, "100",
				WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "10", WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "20",
				"hibernate.hbm2ddl.auto", "none" ) ) ) {
			inTransaction( timing, em -> em.persist( new Counter( 70L, "pending", 1 ) ) );
			connections.down( true ); // the flusher cannot write: the query's flush runs out of time
			RuntimeException failure;
			EntityManager em = timing.createEntityManager();
			try {
				em.getTransaction().begin();
				failure = assertThrows( RuntimeException.class,
						() -> em.createQuery( "select c from Counter c", Counter.class ).getResultList() );
			}
			finally {
				connections.down( false );
				if ( em.getTransaction().isActive() ) {
					em.getTransaction().rollback();
				}
				em.close();
			}
			// as Hibernate converts its QueryTimeoutException: JPA's QueryTimeoutException, or a PersistenceException
			// caused by it where the database rolls the transaction back on any error (PostgreSQL)
			Throwable timeout = failure instanceof QueryTimeoutException ? failure : failure.getCause();
			assertInstanceOf( org.hibernate.QueryTimeoutException.class,
					failure instanceof QueryTimeoutException ? failure.getCause() : timeout, failure.toString() );
			// Spring (PersistenceExceptionTranslationPostProcessor on a repository, or the transaction manager)
			DataAccessException translated = spring.transactionManager().getJpaDialect().translateExceptionIfPossible( failure );
			assertInstanceOf( TransientDataAccessException.class, translated, String.valueOf( translated ) );
			assertInstanceOf( org.springframework.dao.QueryTimeoutException.class, translated, String.valueOf( translated ) );
			WriteBehind.of( timing ).flush();
		}
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
	}

	private EntityManager springEm() {
		return EntityManagerFactoryUtils.getTransactionalEntityManager( spring.factory() );
	}
}
