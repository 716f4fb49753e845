package io.writebehind.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import org.hibernate.jpa.HibernatePersistenceConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.hibernate.WriteBehindIntegratorProvider;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;

/**
 * The base of every behaviour test: builds an {@code EntityManagerFactory} for the test's entities on the database
 * chosen by {@link TestDatabase#current()}, in a schema of its own, through a {@link CountingConnectionProvider}, and
 * offers JPA and plain-JDBC helpers. Subclasses name their entities and may add settings.
 */
public abstract class WriteBehindTestBase {

	protected TestDatabase database;
	protected TestDatabase.Schema schema;
	protected CountingConnectionProvider connections;
	protected EntityManagerFactory emf;

	protected abstract Class<?>[] entities();

	/** Settings added to (or overriding) the defaults of {@link #defaultProperties()}. */
	protected void properties(Map<String, Object> properties) {
	}

	/**
	 * The JDBC isolation level of the test's connections, or {@code null} for the database's default (READ COMMITTED on
	 * H2 and PostgreSQL, REPEATABLE READ on MariaDB, where write-behind then does not cache rows read by transactions).
	 */
	protected Integer transactionIsolation() {
		return null;
	}

	/** Whether the connection provider hands out connections with autocommit off (the recommended set-up). */
	protected boolean autocommitOffProvider() {
		return true;
	}

	@BeforeEach
	void createFactory() {
		database = TestDatabase.current();
		schema = database.createSchema();
		connections = new CountingConnectionProvider( schema, autocommitOffProvider() );
		if ( transactionIsolation() != null ) {
			connections.isolation( transactionIsolation() );
		}
		emf = buildFactory( connections, Map.of() );
		connections.sql().clear();
	}

	@AfterEach
	void closeFactory() {
		try {
			if ( emf != null && emf.isOpen() ) {
				emf.close();
			}
		}
		finally {
			connections.closeAll();
			schema.drop();
		}
	}

	/** The base's flush threshold and transaction size: above what a test writes, so only flush() or the delay write. */
	protected static final String BASE_FLUSH_SIZE = "100000";

	protected Map<String, Object> defaultProperties(CountingConnectionProvider provider) {
		Map<String, Object> properties = new HashMap<>();
		properties.put( "hibernate.connection.provider_class", provider );
		properties.put( "hibernate.connection.provider_disables_autocommit", Boolean.toString( autocommitOffProvider() ) );
		properties.put( "hibernate.hbm2ddl.auto", "create" );
		properties.put( "hibernate.integrator_provider", WriteBehindIntegratorProvider.class.getName() );
		properties.put( "hibernate.jdbc.batch_size", "100" );
		// tests flush on demand unless they test the timer
		properties.put( WriteBehindSettings.MAX_DELAY_MS, "600000" );
		properties.put( WriteBehindSettings.FLUSH_THRESHOLD, BASE_FLUSH_SIZE );
		properties.put( WriteBehindSettings.FLUSH_TRANSACTION_SIZE, BASE_FLUSH_SIZE );
		properties.put( WriteBehindSettings.FLUSH_ON_SHUTDOWN, "false" );
		// one flush transaction per flush(): the statements, batches and commits a test counts are those of one thread;
		// the tests of several flusher threads set it (matrices over flusher_threads, the memory and concurrency tests)
		properties.put( WriteBehindSettings.FLUSHER_THREADS, "1" );
		return properties;
	}

	/**
	 * The base's "only a flush or the delay starts a flush" ({@link #BASE_FLUSH_SIZE}) must stay coherent with what a
	 * test sets: at most a smaller {@code queue_capacity}, and out of the way of the deprecated {@code batch_size}.
	 * {@link #buildFactory} applies it; call it on {@link #defaultProperties} merged with a test's own settings.
	 */
	@SuppressWarnings("deprecation")
	protected static void baseFlushSizeWithin(Map<String, Object> properties) {
		if ( properties.containsKey( WriteBehindSettings.BATCH_SIZE ) ) {
			properties.remove( WriteBehindSettings.FLUSH_THRESHOLD, BASE_FLUSH_SIZE );
			properties.remove( WriteBehindSettings.FLUSH_TRANSACTION_SIZE, BASE_FLUSH_SIZE );
		}
		Object capacity = properties.get( WriteBehindSettings.QUEUE_CAPACITY );
		if ( capacity != null && BASE_FLUSH_SIZE.equals( properties.get( WriteBehindSettings.FLUSH_THRESHOLD ) )
				&& capacity.toString().trim().matches( "[1-9][0-9]{0,8}" )
				&& Long.parseLong( capacity.toString().trim() ) < Long.parseLong( BASE_FLUSH_SIZE ) ) {
			properties.put( WriteBehindSettings.FLUSH_THRESHOLD, capacity.toString().trim() );
		}
	}

	/** Builds another factory on this test's schema (a second application node, or other settings). */
	protected EntityManagerFactory buildFactory(CountingConnectionProvider provider, Map<String, Object> overrides) {
		Map<String, Object> properties = defaultProperties( provider );
		properties( properties );
		properties.putAll( overrides );
		baseFlushSizeWithin( properties );
		HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "wb-test" );
		for ( Class<?> entity : entities() ) {
			configuration.managedClass( entity );
		}
		properties.forEach( configuration::property );
		return configuration.createEntityManagerFactory();
	}

	protected WriteBehind writeBehind() {
		return WriteBehind.of( emf );
	}

	protected void inTransaction(Consumer<EntityManager> work) {
		inTransaction( emf, work );
	}

	protected static void inTransaction(EntityManagerFactory factory, Consumer<EntityManager> work) {
		fromTransaction( factory, em -> {
			work.accept( em );
			return null;
		} );
	}

	protected <T> T fromTransaction(Function<EntityManager, T> work) {
		return fromTransaction( emf, work );
	}

	protected static <T> T fromTransaction(EntityManagerFactory factory, Function<EntityManager, T> work) {
		EntityManager em = factory.createEntityManager();
		EntityTransaction tx = em.getTransaction();
		try {
			tx.begin();
			T result = work.apply( em );
			tx.commit();
			return result;
		}
		catch (RuntimeException e) {
			if ( tx.isActive() ) {
				tx.rollback();
			}
			throw e;
		}
		finally {
			em.close();
		}
	}

	/** Runs plain JDBC on a connection of its own (not counted). */
	protected <T> T jdbc(SqlFunction<T> work) {
		try ( Connection connection = schema.connect() ) {
			connection.setAutoCommit( true );
			return work.apply( connection );
		}
		catch (SQLException e) {
			throw new IllegalStateException( e );
		}
	}

	protected long count(String sql, Object... parameters) {
		return jdbc( c -> {
			try ( PreparedStatement ps = c.prepareStatement( sql ) ) {
				for ( int i = 0; i < parameters.length; i++ ) {
					ps.setObject( i + 1, parameters[i] );
				}
				try ( ResultSet rs = ps.executeQuery() ) {
					rs.next();
					return rs.getLong( 1 );
				}
			}
		} );
	}

	protected int update(String sql, Object... parameters) {
		return jdbc( c -> {
			try ( PreparedStatement ps = c.prepareStatement( sql ) ) {
				for ( int i = 0; i < parameters.length; i++ ) {
					ps.setObject( i + 1, parameters[i] );
				}
				return ps.executeUpdate();
			}
		} );
	}

	@FunctionalInterface
	public interface SqlFunction<T> {
		T apply(Connection connection) throws SQLException;
	}
}
