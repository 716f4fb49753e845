package io.writebehind.journal;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import org.hibernate.jpa.HibernatePersistenceConfiguration;

import io.writebehind.WriteBehindSettings;
import io.writebehind.hibernate.WriteBehindIntegratorProvider;
import io.writebehind.model.Counter;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.TestDatabase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;

/**
 * The application of {@link JournalCrashTest}, run in a JVM of its own and killed with SIGKILL: several threads commit
 * at full speed, each on ids of its own (persist, then increments), with a short max delay so that the flusher writes
 * some of them before the kill. After each commit() has returned, the thread prints {@code ACK <id> <total> .} (the
 * trailing dot marks a whole line): an acknowledged commit.
 * <p>
 * Arguments: database (h2, postgresql), JDBC URL, journal directory, fsync mode, threads, ids per thread.
 */
public final class JournalCrashChild {

	private JournalCrashChild() {
	}

	public static void main(String[] args) throws Exception {
		TestDatabase database = TestDatabase.valueOf( args[0].toUpperCase( Locale.ROOT ) );
		String url = args[1];
		String journal = args[2];
		String fsync = args[3];
		int threads = Integer.parseInt( args[4] );
		int idsPerThread = Integer.parseInt( args[5] );

		HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "crash-child" );
		configuration.managedClass( Counter.class );
		configuration.property( "hibernate.connection.provider_class",
				new CountingConnectionProvider( new TestDatabase.Schema( database, "child", url ), true ) );
		configuration.property( "hibernate.connection.provider_disables_autocommit", "true" );
		configuration.property( "hibernate.hbm2ddl.auto", "none" );
		configuration.property( "hibernate.integrator_provider", WriteBehindIntegratorProvider.class.getName() );
		configuration.property( WriteBehindSettings.MAX_DELAY_MS, "20" );
		configuration.property( WriteBehindSettings.FLUSH_THRESHOLD, "200" );
		configuration.property( WriteBehindSettings.FLUSH_TRANSACTION_SIZE, "200" );
		configuration.property( WriteBehindSettings.FLUSH_ON_SHUTDOWN, "false" );
		configuration.property( WriteBehindSettings.JOURNAL_DIR, journal );
		configuration.property( WriteBehindSettings.JOURNAL_FSYNC, fsync );
		configuration.property( WriteBehindSettings.JOURNAL_FSYNC_INTERVAL_MS, "50" );
		configuration.property( WriteBehindSettings.JOURNAL_SEGMENT_BYTES, "65536" );
		configuration.property( WriteBehindSettings.JOURNAL_CHECKPOINT_INTERVAL_MS, "50" );
		EntityManagerFactory emf = configuration.createEntityManagerFactory();
		PrintStream out = System.out;
		out.println( "READY ." );
		// the test starts the next child while it recovers the previous one: wait for its go
		new java.io.BufferedReader( new java.io.InputStreamReader( System.in ) ).readLine();
		for ( int t = 0; t < threads; t++ ) {
			long firstId = 1 + (long) t * idsPerThread;
			Thread thread = new Thread( () -> {
				while ( true ) {
					long id = firstId + ThreadLocalRandom.current().nextInt( idsPerThread );
					long total;
					EntityManager em = emf.createEntityManager();
					try {
						em.getTransaction().begin();
						Counter counter = em.find( Counter.class, id );
						if ( counter == null ) {
							counter = new Counter( id, "crash", 1 );
							em.persist( counter );
						}
						else {
							counter.increment();
						}
						total = counter.getTotal();
						em.getTransaction().commit();
					}
					catch (RuntimeException e) {
						out.println( "ERR " + id + " " + e );
						continue;
					}
					finally {
						em.close();
					}
					out.println( "ACK " + id + " " + total + " ." );
				}
			}, "committer-" + t );
			thread.start();
		}
	}
}
