package io.writebehind.journal;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Consumer;

import org.hibernate.jpa.HibernatePersistenceConfiguration;

import io.writebehind.WriteBehindSettings;
import io.writebehind.hibernate.WriteBehindIntegratorProvider;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.TestDatabase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;

/**
 * The application of {@link JournalIdentityCrashTest}, run in a JVM of its own and killed with SIGKILL: it creates the
 * table, persists two {@link JournalIdentityCounter}s (inserted at commit), increments the second one a number of
 * times (written behind: the flusher never runs before the kill), and prints {@code IDS <first> <second> .} and then
 * {@code DONE .} once every commit() has returned; then it waits to be killed.
 * <p>
 * Arguments: database (h2, postgresql, mariadb), JDBC URL, journal directory, increments.
 */
public final class JournalIdentityCrashChild {

	private JournalIdentityCrashChild() {
	}

	public static void main(String[] args) throws Exception {
		TestDatabase database = TestDatabase.valueOf( args[0].toUpperCase( Locale.ROOT ) );
		int increments = Integer.parseInt( args[3] );
		HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "identity-crash-child" );
		configuration.managedClass( JournalIdentityCounter.class );
		configuration.property( "hibernate.connection.provider_class",
				new CountingConnectionProvider( new TestDatabase.Schema( database, "child", args[1] ), true ) );
		configuration.property( "hibernate.connection.provider_disables_autocommit", "true" );
		configuration.property( "hibernate.hbm2ddl.auto", "create" );
		configuration.property( "hibernate.integrator_provider", WriteBehindIntegratorProvider.class.getName() );
		configuration.property( WriteBehindSettings.MAX_DELAY_MS, "600000" );
		configuration.property( WriteBehindSettings.FLUSH_THRESHOLD, "100000" );
		configuration.property( WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "100000" );
		configuration.property( WriteBehindSettings.FLUSH_ON_SHUTDOWN, "false" );
		configuration.property( WriteBehindSettings.JOURNAL_DIR, args[2] );
		configuration.property( WriteBehindSettings.JOURNAL_FSYNC, "ALWAYS" );
		EntityManagerFactory emf = configuration.createEntityManagerFactory();
		PrintStream out = System.out;
		JournalIdentityCounter first = new JournalIdentityCounter();
		first.name = "inserted only";
		JournalIdentityCounter second = new JournalIdentityCounter();
		second.name = "inserted, then incremented";
		inTransaction( emf, em -> {
			em.persist( first );
			em.persist( second );
		} );
		for ( int i = 0; i < increments; i++ ) {
			inTransaction( emf, em -> em.find( JournalIdentityCounter.class, second.id ).total++ );
		}
		out.println( "IDS " + first.id + " " + second.id + " ." );
		out.println( "DONE ." );
		out.flush();
		new BufferedReader( new InputStreamReader( System.in ) ).readLine(); // killed meanwhile
	}

	private static void inTransaction(EntityManagerFactory emf, Consumer<EntityManager> work) {
		EntityManager em = emf.createEntityManager();
		try {
			em.getTransaction().begin();
			work.accept( em );
			em.getTransaction().commit();
		}
		finally {
			em.close();
		}
	}
}
