package io.writebehind.examples.benchmark;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.hibernate.jpa.HibernatePersistenceConfiguration;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.hibernate.WriteBehindIntegratorProvider;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import io.writebehind.examples.support.PoolingConnectionProvider;

/**
 * One persistence unit of a scenario: a fresh connection pool and {@code EntityManagerFactory} with the scenario's
 * settings, whose tables are dropped and created anew. Closing it closes both.
 */
public final class Db implements AutoCloseable {

	public final PoolingConnectionProvider pool;
	public final EntityManagerFactory emf;
	public final Map<String, Object> settings;

	private Db(PoolingConnectionProvider pool, EntityManagerFactory emf, Map<String, Object> settings) {
		this.pool = pool;
		this.emf = emf;
		this.settings = settings;
	}

	/** The settings every scenario starts from: the recommended connection set-up, tables recreated. */
	static Map<String, Object> baseSettings() {
		Map<String, Object> s = new LinkedHashMap<>();
		s.put( "hibernate.connection.provider_disables_autocommit", "true" );
		s.put( "hibernate.hbm2ddl.auto", "create" );
		s.put( "hibernate.jdbc.batch_size", "500" );
		// every scenario flushes and closes its factory itself
		s.put( WriteBehindSettings.FLUSH_ON_SHUTDOWN, "false" );
		return s;
	}

	/** Opens a unit on the database of {@code env} with the base settings plus {@code overrides}. */
	static Db open(Env env, Map<String, ?> overrides) {
		return open( env, overrides, new Class<?>[0] );
	}

	/** {@link #open(Env, Map)} with further entity classes. */
	static Db open(Env env, Map<String, ?> overrides, Class<?>... entities) {
		Map<String, Object> settings = baseSettings();
		settings.putAll( overrides );
		PoolingConnectionProvider pool = new PoolingConnectionProvider( env.url, env.user, env.password );
		HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "write-behind-benchmark" )
				.managedClass( WbItem.class )
				.managedClass( PlainItem.class )
				.managedClass( RawItem.class )
				.managedClasses( entities )
				.property( "hibernate.connection.provider_class", pool )
				.property( "hibernate.integrator_provider", WriteBehindIntegratorProvider.class.getName() );
		settings.forEach( configuration::property );
		return new Db( pool, configuration.createEntityManagerFactory(), settings );
	}

	public WriteBehind writeBehind() {
		return WriteBehind.of( emf );
	}

	/** One transaction with an EntityManager of its own. */
	public void tx(Consumer<EntityManager> work) {
		EntityManager em = emf.createEntityManager();
		EntityTransaction tx = em.getTransaction();
		try {
			tx.begin();
			work.accept( em );
			tx.commit();
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

	/** A connection outside the pool's counting, autocommit on. */
	public Connection jdbc() throws SQLException {
		return pool.openUncounted();
	}

	/** Runs a single-number query with plain JDBC. */
	public long queryLong(String sql, Object... parameters) {
		try ( Connection c = jdbc(); PreparedStatement ps = c.prepareStatement( sql ) ) {
			for ( int i = 0; i < parameters.length; i++ ) {
				ps.setObject( i + 1, parameters[i] );
			}
			try ( ResultSet rs = ps.executeQuery() ) {
				rs.next();
				return rs.getLong( 1 );
			}
		}
		catch (SQLException e) {
			throw new IllegalStateException( "could not run " + sql, e );
		}
	}

	@Override
	public void close() {
		try {
			emf.close();
		}
		finally {
			pool.close();
		}
	}
}
