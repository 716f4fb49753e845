package io.writebehind.concurrency;

import java.util.Locale;

import org.hibernate.jpa.HibernatePersistenceConfiguration;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.hibernate.WriteBehindIntegratorProvider;
import io.writebehind.model.Counter;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.TestDatabase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;

/**
 * The application of {@link ShutdownChildJvmTest}, run in a JVM of its own: builds a factory (max_delay 10 minutes, so
 * nothing is written on its own), commits writes, prints one line and ends WITHOUT calling flush or closing the
 * factory: by returning from main, or by System.exit(0).
 * <p>
 * Arguments: database (h2, postgresql, mariadb), JDBC URL, number of ids, {@code return} or {@code exit},
 * flush_on_shutdown (true or false).
 */
public final class ShutdownChild {

	public static final String COMMITTED = "CHILD COMMITTED";

	private ShutdownChild() {
	}

	public static void main(String[] args) {
		TestDatabase database = TestDatabase.valueOf( args[0].toUpperCase( Locale.ROOT ) );
		String url = args[1];
		int ids = Integer.parseInt( args[2] );
		String ending = args[3];
		String flushOnShutdown = args[4];

		HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "child" );
		configuration.managedClass( Counter.class );
		configuration.property( "hibernate.connection.provider_class",
				new CountingConnectionProvider( new TestDatabase.Schema( database, "child", url ), true ) );
		configuration.property( "hibernate.connection.provider_disables_autocommit", "true" );
		configuration.property( "hibernate.hbm2ddl.auto", "create" );
		configuration.property( "hibernate.integrator_provider", WriteBehindIntegratorProvider.class.getName() );
		configuration.property( WriteBehindSettings.MAX_DELAY_MS, "600000" );
		configuration.property( WriteBehindSettings.BATCH_SIZE, "100000" );
		configuration.property( WriteBehindSettings.FLUSH_ON_SHUTDOWN, flushOnShutdown );
		configuration.property( WriteBehindSettings.SHUTDOWN_TIMEOUT_MS, "30000" );
		EntityManagerFactory emf = configuration.createEntityManagerFactory();

		for ( long id = 1; id <= ids; id++ ) {
			EntityManager em = emf.createEntityManager();
			em.getTransaction().begin();
			em.persist( new Counter( id, "child", id ) );
			em.getTransaction().commit();
			em.close();
		}
		for ( long id = 1; id <= ids; id += 2 ) {
			EntityManager em = emf.createEntityManager();
			em.getTransaction().begin();
			em.find( Counter.class, id ).increment();
			em.getTransaction().commit();
			em.close();
		}
		System.out.println( COMMITTED + " " + ids + " pending=" + WriteBehind.of( emf ).stats().pending() );
		System.out.flush();
		if ( ending.equals( "exit" ) ) {
			System.exit( 0 );
		}
		// return from main: no flush(), no emf.close()
	}
}
