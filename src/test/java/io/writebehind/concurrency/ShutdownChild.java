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
 * flush_on_shutdown (true or false); optionally {@link #PROVIDER} or {@link #URL} (where connections come from) and
 * whether the database is down at exit (true: the provider refuses connections once the writes are committed). A boot
 * that fails prints {@link #BOOT_REFUSED} and the causes, and exits with 3.
 */
public final class ShutdownChild {

	public static final String COMMITTED = "CHILD COMMITTED";
	public static final String BOOT_REFUSED = "CHILD BOOT REFUSED";
	/** Connections from a {@link CountingConnectionProvider} (the default), or from the URL (Hibernate's own). */
	public static final String PROVIDER = "provider";
	public static final String URL = "url";

	private ShutdownChild() {
	}

	public static void main(String[] args) {
		TestDatabase database = TestDatabase.valueOf( args[0].toUpperCase( Locale.ROOT ) );
		String url = args[1];
		int ids = Integer.parseInt( args[2] );
		String ending = args[3];
		String flushOnShutdown = args[4];
		String connections = args.length > 5 ? args[5] : PROVIDER;
		boolean downAtExit = args.length > 6 && Boolean.parseBoolean( args[6] );

		HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "child" );
		configuration.managedClass( Counter.class );
		CountingConnectionProvider provider = new CountingConnectionProvider( new TestDatabase.Schema( database, "child", url ), true );
		if ( connections.equals( URL ) ) {
			// as a plain program configures it: Hibernate's own connections from the URL
			configuration.property( "jakarta.persistence.jdbc.url", url );
			configuration.property( "jakarta.persistence.jdbc.user", database.user() );
			configuration.property( "jakarta.persistence.jdbc.password", database.password() );
		}
		else {
			configuration.property( "hibernate.connection.provider_class", provider );
			configuration.property( "hibernate.connection.provider_disables_autocommit", "true" );
		}
		configuration.property( "hibernate.hbm2ddl.auto", "create" );
		configuration.property( "hibernate.integrator_provider", WriteBehindIntegratorProvider.class.getName() );
		configuration.property( WriteBehindSettings.MAX_DELAY_MS, "600000" );
		configuration.property( WriteBehindSettings.FLUSH_THRESHOLD, "100000" );
		configuration.property( WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "100000" );
		configuration.property( WriteBehindSettings.FLUSH_ON_SHUTDOWN, flushOnShutdown );
		configuration.property( WriteBehindSettings.SHUTDOWN_TIMEOUT_MS, downAtExit ? "1000" : "30000" );
		EntityManagerFactory emf;
		try {
			emf = configuration.createEntityManagerFactory();
		}
		catch (RuntimeException e) {
			System.out.println( BOOT_REFUSED + " " + e );
			for ( Throwable t = e.getCause(); t != null; t = t.getCause() ) {
				System.out.println( "caused by " + t );
			}
			System.out.flush();
			System.exit( 3 );
			return;
		}

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
		if ( downAtExit ) {
			provider.down( true ); // the pending writes cannot be written at exit
		}
		if ( ending.equals( "exit" ) ) {
			System.exit( 0 );
		}
		// return from main: no flush(), no emf.close()
	}
}
