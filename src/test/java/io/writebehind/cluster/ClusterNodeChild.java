package io.writebehind.cluster;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.hibernate.SessionFactory;
import org.hibernate.StaleObjectStateException;
import org.hibernate.jpa.HibernatePersistenceConfiguration;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.hibernate.WriteBehindIntegratorProvider;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.TestDatabase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.OptimisticLockException;

/**
 * One application node of {@link SeparateJvmNodesTest}, in a JVM of its own: an {@code EntityManagerFactory} on the
 * suite's database with a coherence channel, the version ledger ({@code cluster.version_check=commit}, the default) and
 * the journal on. Driven by lines on its standard input; answers on its standard output, one whole line each, ended by
 * {@code " ."} (a line cut by a kill has no end mark):
 * <ul>
 * <li>{@code READY .} once the factory is built (its journal replayed) and its channel listens;</li>
 * <li>{@code GO}: threads increment random hot ids ({@link ClusterCounter}, this node's column and the total), retrying
 * optimistic-lock failures; after each {@code commit()} has returned the thread prints {@code ok <id> <count> .}, an
 * acknowledged increment ({@code count}: this node's column of the id in the state committed). Any other failure
 * prints {@code ERR <id> <exception> .};</li>
 * <li>{@code SYNC}: prints {@code SYNCED .} (every line printed before it has been read once it is read);</li>
 * <li>{@code STOP}: the threads stop, the node flushes and prints
 * {@code DONE <flushed> <failed writes> <conflicts> <retries> <commits> .}, after a line
 * {@code FAILED <id> <reason> <epoch ms> <version> <total> <node0> <node1> <node2> .} per failed write (when it
 * failed, the state it held);</li>
 * <li>{@code EXPECT <total of id 1> ... <total of id n>}: reads each id with {@code em.find} until it serves the given
 * totals (the database's, after every node flushed) and prints {@code SERVED <ms> .}, or after 10 s
 * {@code STALE <id> <served> <expected> .};</li>
 * <li>{@code EXIT}: closes the factory and exits with 0.</li>
 * </ul>
 * Arguments: database (h2, postgresql, mariadb), JDBC URL, channel (postgresql, redis), the channel's URL, channel
 * name, journal directory ({@code -}: no journal), node index (0 to 2), threads, ids, then any number of
 * {@code key=value} settings applied over the defaults above (for example
 * {@code hibernate.writebehind.cluster.version_check=lease}).
 */
public final class ClusterNodeChild {

	private ClusterNodeChild() {
	}

	public static void main(String[] args) throws Exception {
		TestDatabase database = TestDatabase.valueOf( args[0].toUpperCase( Locale.ROOT ) );
		String url = args[1];
		String channel = args[2];
		String channelUrl = args[3];
		String channelName = args[4];
		String journal = args[5];
		int node = Integer.parseInt( args[6] );
		int threads = Integer.parseInt( args[7] );
		int ids = Integer.parseInt( args[8] );
		PrintStream out = System.out;

		HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration( "cluster-node-" + node );
		configuration.managedClass( ClusterCounter.class );
		configuration.property( "hibernate.connection.provider_class",
				new CountingConnectionProvider( new TestDatabase.Schema( database, "node" + node, url ), true ) );
		configuration.property( "hibernate.connection.provider_disables_autocommit", "true" );
		configuration.property( "hibernate.hbm2ddl.auto", "none" );
		configuration.property( "hibernate.integrator_provider", WriteBehindIntegratorProvider.class.getName() );
		configuration.property( WriteBehindSettings.MAX_DELAY_MS, "20" );
		configuration.property( WriteBehindSettings.FLUSH_ON_SHUTDOWN, "false" );
		configuration.property( WriteBehindSettings.CLUSTER_CHANNEL, channel );
		configuration.property( "redis".equals( channel ) ? WriteBehindSettings.CLUSTER_REDIS_URI
				: WriteBehindSettings.CLUSTER_POSTGRESQL_URL, channelUrl );
		configuration.property( WriteBehindSettings.CLUSTER_CHANNEL_NAME, channelName );
		if ( !"-".equals( journal ) ) {
			configuration.property( WriteBehindSettings.JOURNAL_DIR, journal );
			configuration.property( WriteBehindSettings.JOURNAL_FSYNC, "INTERVAL" );
			configuration.property( WriteBehindSettings.JOURNAL_FSYNC_INTERVAL_MS, "50" );
			configuration.property( WriteBehindSettings.JOURNAL_CHECKPOINT_INTERVAL_MS, "200" );
		}
		for ( int i = 9; i < args.length; i++ ) {
			int eq = args[i].indexOf( '=' );
			if ( eq <= 0 ) {
				throw new IllegalArgumentException( "not a key=value setting: " + args[i] );
			}
			configuration.property( args[i].substring( 0, eq ), args[i].substring( eq + 1 ) );
		}
		EntityManagerFactory emf = boot( configuration );
		WriteBehindRuntime runtime = WriteBehindRuntime.of( emf.unwrap( SessionFactory.class ) );
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos( 30 );
		while ( !runtime.coherence().listening() ) {
			if ( System.nanoTime() > deadline ) {
				out.println( "ERR 0 the channel did not listen within 30 s ." );
				break;
			}
			Thread.sleep( 5 );
		}
		out.println( "READY ." );

		BufferedReader in = new BufferedReader( new InputStreamReader( System.in, StandardCharsets.UTF_8 ) );
		List<Thread> workers = new ArrayList<>();
		AtomicLong retries = new AtomicLong();
		AtomicLong commits = new AtomicLong();
		String line;
		while ( ( line = in.readLine() ) != null ) {
			if ( line.equals( "GO" ) ) {
				for ( int t = 0; t < threads; t++ ) {
					Thread worker = new Thread( () -> increment( emf, node, ids, out, retries, commits ),
							"incrementer-" + t );
					workers.add( worker );
					worker.start();
				}
			}
			else if ( line.equals( "STOP" ) ) {
				stop = true;
				for ( Thread worker : workers ) {
					worker.join();
				}
				WriteBehind wb = WriteBehind.of( emf );
				boolean flushed = wb.flush( Duration.ofSeconds( 60 ) );
				for ( var failed : wb.failedWrites() ) {
					System.err.println( "failed write: " + failed );
					ClusterCounter state = failed.entity() instanceof ClusterCounter c ? c : null;
					out.println( "FAILED " + failed.id() + " " + failed.reason() + " " + failed.when().toEpochMilli() + " "
							+ ( state == null ? "- - - - -" : state.getVersion() + " " + state.getTotal() + " "
									+ state.of( 0 ) + " " + state.of( 1 ) + " " + state.of( 2 ) ) + " ." );
				}
				out.println( "DONE " + flushed + " " + wb.failedWrites().size() + " " + wb.stats().conflicts() + " "
						+ retries.get() + " " + commits.get() + " ." );
			}
			else if ( line.equals( "SYNC" ) ) {
				out.println( "SYNCED ." );
			}
			else if ( line.equals( "PENDING" ) ) {
				out.println( "PENDING " + WriteBehind.of( emf ).stats().pending() + " ." );
			}
			else if ( line.startsWith( "EXPECT " ) ) {
				out.println( awaitServed( emf, line.substring( "EXPECT ".length() ).trim().split( " " ) ) );
			}
			else if ( line.equals( "EXIT" ) ) {
				emf.close();
				out.flush();
				System.exit( 0 );
			}
		}
		// the test ended without EXIT (it failed): do not linger
		System.exit( 3 );
	}

	/** Set by STOP; read by the incrementing threads. */
	private static volatile boolean stop;

	private static void increment(EntityManagerFactory emf, int node, int ids, PrintStream out, AtomicLong retries,
			AtomicLong commits) {
		while ( !stop ) {
			long id = 1 + ThreadLocalRandom.current().nextInt( ids );
			EntityManager em = emf.createEntityManager();
			EntityTransaction tx = em.getTransaction();
			long count;
			try {
				tx.begin();
				ClusterCounter counter = em.find( ClusterCounter.class, id );
				counter.increment( node );
				tx.commit();
				count = counter.of( node );
			}
			catch (RuntimeException e) {
				try {
					if ( tx.isActive() ) {
						tx.rollback();
					}
				}
				catch (RuntimeException rollback) {
					e.addSuppressed( rollback ); // the connection broke (a partition): the thread goes on
				}
				if ( isOptimisticLockFailure( e ) ) {
					retries.incrementAndGet();
					sleep( ThreadLocalRandom.current().nextInt( 1, 5 ) );
				}
				else {
					out.println( "ERR " + id + " " + e.toString().replace( '\n', ' ' ) + " ." );
					e.printStackTrace();
					sleep( 100 );
				}
				continue;
			}
			finally {
				em.close();
			}
			commits.incrementAndGet();
			out.println( "ok " + id + " " + count + " ." );
		}
	}

	private static String awaitServed(EntityManagerFactory emf, String[] expected) {
		long start = System.nanoTime();
		for ( int i = 0; i < expected.length; i++ ) {
			long id = i + 1;
			long want = Long.parseLong( expected[i] );
			while ( true ) {
				EntityManager em = emf.createEntityManager();
				long served;
				try {
					em.getTransaction().begin();
					served = em.find( ClusterCounter.class, id ).getTotal();
					em.getTransaction().commit();
				}
				finally {
					em.close();
				}
				if ( served == want ) {
					break;
				}
				if ( System.nanoTime() - start > TimeUnit.SECONDS.toNanos( 10 ) ) {
					return "STALE " + id + " " + served + " " + want + " .";
				}
				sleep( 5 );
			}
		}
		return "SERVED " + ( System.nanoTime() - start ) / 1_000_000 + " .";
	}

	private static boolean isOptimisticLockFailure(Throwable e) {
		for ( Throwable cause = e; cause != null; cause = cause.getCause() ) {
			if ( cause instanceof OptimisticLockException || cause instanceof StaleObjectStateException ) {
				return true;
			}
		}
		return false;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep( millis );
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Builds the factory, again after a failure to read the JDBC metadata at boot (before write-behind starts): H2
	 * 2.3's TCP server can fail the metadata query of a new session with a NullPointerException while it closes the
	 * sessions of a node just killed (seen in {@code SeparateJvmNodesTest}'s restart); a real application's restart
	 * would be retried the same way.
	 */
	private static EntityManagerFactory boot(HibernatePersistenceConfiguration configuration)
			throws InterruptedException {
		for ( int attempt = 1; ; attempt++ ) {
			try {
				return configuration.createEntityManagerFactory();
			}
			catch (RuntimeException e) {
				boolean metadata = false;
				for ( Throwable t = e; t != null; t = t.getCause() ) {
					metadata |= String.valueOf( t.getMessage() ).contains( "JDBC metadata" );
				}
				if ( !metadata || attempt == 5 ) {
					throw e;
				}
				System.err.println( "boot attempt " + attempt + " could not read the JDBC metadata, again: " + e );
				Thread.sleep( 500 );
			}
		}
	}
}
