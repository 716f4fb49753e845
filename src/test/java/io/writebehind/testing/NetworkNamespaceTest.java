package io.writebehind.testing;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The partition tool of the several-node fault tests: a process in a test-made network namespace reaches the machine
 * through its links, a cut link drops packets without a word (a connection attempt times out: it is neither refused nor
 * reset), the other links keep working, a mended link works again, a JVM inside reaches PostgreSQL through a proxy on
 * its link, and closing leaves nothing behind.
 */
@NeedsServers
class NetworkNamespaceTest {

	/** What {@code timeout} exits with when the command ran out of time. */
	private static final int TIMED_OUT = 124;

	@Test
	void aCutLinkDropsPacketsSilentlyAndAMendedOneWorksAgain() throws Exception {
		try ( NetworkNamespace ns = NetworkNamespace.create() ) {
			NetworkNamespace.Link link = ns.link();
			try ( Greeter greeter = new Greeter( link.hostAddress() ) ) {
				assertEquals( "hello", read( ns, link.hostAddress(), greeter.port() ) );

				link.cut();
				Connect attempt = connect( ns, link.hostAddress(), greeter.port(), 3 );
				assertEquals( TIMED_OUT, attempt.exit, "a connection over a cut link must neither succeed nor be refused: "
						+ attempt.output );

				link.mend();
				assertEquals( "hello", read( ns, link.hostAddress(), greeter.port() ) );
			}
		}
	}

	@Test
	void cuttingOneLinkLeavesTheOthersWorking() throws Exception {
		try ( NetworkNamespace ns = NetworkNamespace.create() ) {
			NetworkNamespace.Link database = ns.link();
			NetworkNamespace.Link cluster = ns.link();
			assertNotEquals( database.hostAddress(), cluster.hostAddress() );
			try ( Greeter db = new Greeter( database.hostAddress() ); Greeter peers = new Greeter( cluster.hostAddress() ) ) {
				cluster.cut();
				assertEquals( "hello", read( ns, database.hostAddress(), db.port() ) );
				assertEquals( TIMED_OUT, connect( ns, cluster.hostAddress(), peers.port(), 3 ).exit );
				cluster.mend();
				assertEquals( "hello", read( ns, cluster.hostAddress(), peers.port() ) );
			}
		}
	}

	@Test
	void theMachineReachesAServerInsideTheNamespace() throws Exception {
		try ( NetworkNamespace ns = NetworkNamespace.create() ) {
			NetworkNamespace.Link link = ns.link();
			int port;
			try ( ServerSocket free = new ServerSocket( 0 ) ) {
				port = free.getLocalPort(); // free here; the namespace has ports of its own anyway
			}
			Process server = ns.builder( ChildJvm.command( List.of(), InsideServer.class,
					link.address().getHostAddress(), port ) ).redirectErrorStream( true ).start();
			try {
				String[] answer = new String[1];
				Await.until( Duration.ofSeconds( 60 ), "the server in " + ns.name() + " answers", () -> {
					try ( Socket socket = new Socket() ) {
						socket.connect( new InetSocketAddress( link.address(), port ), 1_000 );
						answer[0] = new String( socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8 );
						return true;
					}
					catch (IOException notYet) {
						return false;
					}
				} );
				assertEquals( "inside", answer[0] );
			}
			finally {
				server.destroyForcibly().waitFor( 10, TimeUnit.SECONDS );
			}
		}
	}

	@Test
	void aJvmInsideReachesPostgresqlThroughAProxyOnItsLinkUntilTheLinkIsCut() throws Exception {
		try ( NetworkNamespace ns = NetworkNamespace.create() ) {
			NetworkNamespace.Link database = ns.link();
			try ( FreezableProxy postgres = new FreezableProxy( database.hostAddress(), "127.0.0.1", 5432 ) ) {
				String url = "jdbc:postgresql://" + database.hostAddress().getHostAddress() + ":" + postgres.port()
						+ "/test?connectTimeout=5";
				Connect reached = run( ns.builder( ChildJvm.command( List.of(), JdbcProbe.class, url ) ) );
				assertEquals( 0, reached.exit, reached.output );
				assertTrue( reached.output.contains( "answer 42" ), reached.output );

				database.cut();
				Connect cut = run( ns.builder( ChildJvm.command( List.of(), JdbcProbe.class, url ) ) );
				assertNotEquals( 0, cut.exit, cut.output );
				assertTrue( cut.output.contains( "SocketTimeoutException" ) || cut.output.contains( "timed out" ),
						"a cut link times the connection out: " + cut.output );

				database.mend();
				Connect again = run( ns.builder( ChildJvm.command( List.of(), JdbcProbe.class, url ) ) );
				assertTrue( again.output.contains( "answer 42" ), again.output );
			}
		}
	}

	/** A JVM started in a namespace: listens on the address and port given, answers one connection with "inside". */
	public static final class InsideServer {
		public static void main(String[] args) throws Exception {
			try ( ServerSocket server = new ServerSocket( Integer.parseInt( args[1] ), 1, InetAddress.getByName( args[0] ) );
					Socket socket = server.accept(); OutputStream out = socket.getOutputStream() ) {
				out.write( "inside".getBytes( StandardCharsets.US_ASCII ) );
			}
		}
	}

	/** A JVM started in a namespace: connects to the URL, runs one query, prints its answer. */
	public static final class JdbcProbe {
		public static void main(String[] args) throws Exception {
			try ( Connection c = DriverManager.getConnection( args[0], "postgres", "" );
					Statement s = c.createStatement(); ResultSet rs = s.executeQuery( "select 6 * 7" ) ) {
				rs.next();
				System.out.println( "answer " + rs.getInt( 1 ) );
			}
		}
	}

	@Test
	void closingDeletesTheNamespaceAndItsLinks() throws Exception {
		NetworkNamespace ns = NetworkNamespace.create();
		String link = ns.link().toString();
		String hostEnd = link.substring( 0, link.indexOf( ' ' ) );
		ns.close();
		assertFalse( output( List.of( "ip", "netns", "list" ) ).contains( ns.name() ) );
		assertFalse( output( List.of( "ip", "-o", "link", "show" ) ).contains( hostEnd + ":" ) );
		ns.close(); // closing twice is harmless
	}

	private record Connect(int exit, String output) {
	}

	/** Connects from inside the namespace and reads what the server sends first (5 bytes). */
	private static String read(NetworkNamespace ns, InetAddress host, int port) throws Exception {
		Connect c = run( ns.builder( List.of( "timeout", "20", "bash", "-c", "exec 3<>/dev/tcp/" + host.getHostAddress()
				+ "/" + port + " && head -c 5 <&3" ) ) );
		assertEquals( 0, c.exit, c.output );
		return c.output;
	}

	/** Tries to connect from inside the namespace for at most {@code seconds}. */
	private static Connect connect(NetworkNamespace ns, InetAddress host, int port, int seconds) throws Exception {
		return run( ns.builder( List.of( "timeout", Integer.toString( seconds ), "bash", "-c",
				"exec 3<>/dev/tcp/" + host.getHostAddress() + "/" + port ) ) );
	}

	private static Connect run(ProcessBuilder builder) throws Exception {
		Process process = builder.redirectErrorStream( true ).start();
		String output = new String( process.getInputStream().readAllBytes(), StandardCharsets.UTF_8 ).trim();
		assertTrue( process.waitFor( 60, TimeUnit.SECONDS ) );
		return new Connect( process.exitValue(), output );
	}

	private static String output(List<String> command) throws Exception {
		return run( new ProcessBuilder( command ) ).output;
	}

	/** A server on one local address that sends "hello" to every connection and closes it. */
	private static final class Greeter implements AutoCloseable {
		private final ServerSocket server;

		Greeter(InetAddress address) throws IOException {
			server = new ServerSocket( 0, 50, address );
			Thread thread = new Thread( () -> {
				while ( !server.isClosed() ) {
					try ( Socket socket = server.accept(); OutputStream out = socket.getOutputStream() ) {
						out.write( "hello".getBytes( StandardCharsets.US_ASCII ) );
					}
					catch (IOException closed) {
						// closed, or a client that went away
					}
				}
			}, "test-greeter" );
			thread.setDaemon( true );
			thread.start();
		}

		int port() {
			return server.getLocalPort();
		}

		@Override
		public void close() throws IOException {
			server.close();
		}
	}
}
