package io.writebehind.internal.common;

import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLTimeoutException;

import org.hibernate.QueryTimeoutException;
import org.hibernate.exception.ConstraintViolationException;
import org.hibernate.persister.entity.AbstractEntityPersister;
import org.hibernate.persister.entity.EntityPersister;

/**
 * The exceptions write-behind raises inside Hibernate's flow (listeners, before-completion callbacks), of the types
 * plain Hibernate raises in the same situation, so that Hibernate's JPA exception conversion and frameworks (Spring's
 * {@code HibernateJpaDialect}) translate them as they translate Hibernate's own. A non-Hibernate exception thrown from
 * a before-completion callback is wrapped by Hibernate in a bare {@code HibernateException}, which Spring can only
 * report as {@code JpaSystemException}.
 * <p>
 * Where Hibernate's type carries an {@code SQLException}, it is one that describes the situation with the standard
 * SQLState a database would report (no statement was sent: the message says so).
 */
public final class HibernateFailures {

	/** SQLState of a unique or primary key violation. */
	public static final String UNIQUE_VIOLATION = "23505";
	/** SQLState "timeout expired". */
	public static final String TIMEOUT = "HYT00";

	private HibernateFailures() {
	}

	/**
	 * An insert of an id that write-behind knows to exist (committed, maybe not written yet): what the database's
	 * primary key would have refused. A {@link ConstraintViolationException} of kind UNIQUE, as Hibernate raises for
	 * a duplicate key: JPA users get it as the cause of the commit's {@code RollbackException}, Spring users a
	 * {@code DataIntegrityViolationException} (or {@code DuplicateKeyException} with an SQLState-based translator).
	 */
	public static ConstraintViolationException duplicateId(EntityPersister persister, String entityName, Object id,
			String detail) {
		String table = persister instanceof AbstractEntityPersister entityPersister
				? entityPersister.getTableName() : entityName;
		String message = "A " + entityName + " with id " + id + " already exists (" + detail + "); the insert was "
				+ "refused as the primary key of " + table + " would refuse it";
		return new ConstraintViolationException( message,
				new SQLIntegrityConstraintViolationException( message, UNIQUE_VIOLATION ), null,
				ConstraintViolationException.ConstraintKind.UNIQUE, "primary key of " + table );
	}

	/** As {@link #duplicateId(EntityPersister, String, Object, String)}, when only the entity name is known. */
	public static ConstraintViolationException duplicateId(String entityName, Object id, String detail) {
		return duplicateId( null, entityName, id, detail );
	}

	/**
	 * Pending writes that a query or load must see could not be written within the time allowed: what a statement
	 * waiting too long on the database would give, a {@link QueryTimeoutException} (JPA: {@code QueryTimeoutException};
	 * Spring: {@code QueryTimeoutException}, a {@code TransientDataAccessException}).
	 */
	public static QueryTimeoutException flushTimedOut(String message) {
		return new QueryTimeoutException( message, new SQLTimeoutException( message, TIMEOUT ), null );
	}
}
