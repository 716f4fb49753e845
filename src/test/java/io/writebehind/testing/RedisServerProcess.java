package io.writebehind.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis server owned by one test: {@code redis-server} started as a child process on a free loopback port, with
 * nothing kept on disk, stopped (and restarted on the same port) by the test itself. Tests never stop the machine's
 * shared Redis; a test that must kill, restart or reconfigure a server uses one of these.
 *
 * <pre>{@code
 * try ( RedisServerProcess redis = RedisServerProcess.start() ) {
 *     String uri = redis.uri();            // redis://127.0.0.1:<port>
 *     redis.stop();                         // the server is gone (SIGKILL), the port stays reserved for restart()
 *     redis.restart();
 * }
 * }</pre>
 *
 * Extra arguments (for example {@code --requirepass secret}, TLS options) are passed to every start.
 */
public final class RedisServerProcess implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofSeconds( 30 );

	private final int port;
	private final List<String> extraArguments;
	private final Path directory;
	private Process process;

	private RedisServerProcess(int port, List<String> extraArguments) throws IOException {
		this.port = port;
		this.extraArguments = List.copyOf( extraArguments );
		this.directory = Files.createTempDirectory( "writebehind-redis-" );
	}

	/** Starts a plain server on a free port and waits until it accepts connections. */
	public static RedisServerProcess start() {
		return start( List.of() );
	}

	/**
	 * Starts a server on a free port with extra {@code redis-server} arguments (later ones override earlier ones); the
	 * word {@code <port>} among them stands for this server's port: a TLS server is {@code --port 0 --tls-port <port>
	 * --tls-cert-file ...}.
	 */
	public static RedisServerProcess start(List<String> extraArguments) {
		for ( int attempt = 1; ; attempt++ ) {
			RedisServerProcess server;
			try {
				server = new RedisServerProcess( freePort(), extraArguments );
			}
			catch (IOException e) {
				throw new UncheckedIOException( e );
			}
			try {
				server.restart();
				return server;
			}
			catch (AssertionError e) {
				// the free port was taken between asking and binding (other builds on the machine start servers too)
				boolean portTaken = server.log().contains( "Address already in use" );
				server.close();
				if ( !portTaken || attempt == 5 ) {
					throw e;
				}
			}
		}
	}

	/** A free TCP port on the loopback interface (free when asked; the server binds it right after). */
	public static int freePort() {
		try ( ServerSocket socket = new ServerSocket( 0, 1, java.net.InetAddress.getLoopbackAddress() ) ) {
			socket.setReuseAddress( true );
			return socket.getLocalPort();
		}
		catch (IOException e) {
			throw new UncheckedIOException( e );
		}
	}

	public int port() {
		return port;
	}

	/** {@code redis://127.0.0.1:<port>}. */
	public String uri() {
		return "redis://127.0.0.1:" + port;
	}

	/** Whether the server process is alive and accepts TCP connections. */
	public boolean isRunning() {
		return process != null && process.isAlive() && accepts();
	}

	/** Starts the server (again) on the same port; waits until it accepts connections. No-op while it runs. */
	public synchronized void restart() {
		if ( process != null && process.isAlive() ) {
			return;
		}
		List<String> command = new ArrayList<>( List.of( "redis-server", "--bind", "127.0.0.1", "--port",
				Integer.toString( port ), "--save", "", "--appendonly", "no", "--dir", directory.toString(),
				"--daemonize", "no", "--logfile", directory.resolve( "redis.log" ).toString() ) );
		command.addAll( extraArguments.stream().map( a -> "<port>".equals( a ) ? Integer.toString( port ) : a ).toList() );
		long readyBefore = readyLines();
		try {
			process = new ProcessBuilder( command ).redirectErrorStream( true )
					.redirectOutput( directory.resolve( "redis.out" ).toFile() ).start();
		}
		catch (IOException e) {
			throw new AssertionError( "Could not start a test-owned redis-server (is it installed? apt-get install "
					+ "redis-server): " + command, e );
		}
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		// accepting alone could be another process on the port: this server says in its log that it is ready
		while ( !( readyLines() > readyBefore && accepts() ) ) {
			if ( !process.isAlive() || System.nanoTime() > deadline ) {
				throw new AssertionError( "The test-owned redis-server on port " + port + " did not come up within "
						+ START_TIMEOUT.toSeconds() + " s: " + command + "\n" + log() );
			}
			pause();
		}
	}

	/** Kills the server (SIGKILL: like a crash) and waits until it is gone. The port stays this server's. */
	public synchronized void stop() {
		if ( process == null ) {
			return;
		}
		boolean wasRunning = process.isAlive();
		process.destroyForcibly();
		try {
			if ( !process.waitFor( START_TIMEOUT.toSeconds(), TimeUnit.SECONDS ) ) {
				throw new AssertionError( "The test-owned redis-server on port " + port + " did not stop" );
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AssertionError( e );
		}
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while ( wasRunning && accepts() ) {
			if ( System.nanoTime() > deadline ) {
				throw new AssertionError( "Port " + port + " still accepts connections after the test-owned "
						+ "redis-server was killed: another process listens on it" );
			}
			pause();
		}
	}

	/** How many times the server's log says it is ready (once per start). */
	private long readyLines() {
		Path file = directory.resolve( "redis.log" );
		try {
			if ( !Files.exists( file ) ) {
				return 0;
			}
			try ( var lines = Files.lines( file, StandardCharsets.UTF_8 ) ) {
				return lines.filter( line -> line.toLowerCase( java.util.Locale.ROOT ).contains( "ready to accept connections" ) )
						.count();
			}
		}
		catch (IOException | UncheckedIOException e) {
			return 0;
		}
	}

	/** What the server wrote to its log, for failure messages. */
	public String log() {
		StringBuilder text = new StringBuilder();
		for ( String name : List.of( "redis.out", "redis.log" ) ) {
			Path file = directory.resolve( name );
			try {
				if ( Files.exists( file ) ) {
					text.append( Files.readString( file, StandardCharsets.UTF_8 ) );
				}
			}
			catch (IOException e) {
				text.append( "(cannot read " ).append( file ).append( ": " ).append( e ).append( ')' );
			}
		}
		return text.toString();
	}

	/** The server's working directory (for certificates and the like). */
	public Path directory() {
		return directory;
	}

	@Override
	public void close() {
		stop();
		try ( var files = Files.walk( directory ) ) {
			files.sorted( java.util.Comparator.reverseOrder() ).forEach( path -> path.toFile().delete() );
		}
		catch (IOException ignored) {
			// a temporary directory left behind is harmless
		}
	}

	private boolean accepts() {
		try ( Socket socket = new Socket( java.net.InetAddress.getLoopbackAddress(), port ) ) {
			return true;
		}
		catch (IOException e) {
			return false;
		}
	}

	private static void pause() {
		try {
			Thread.sleep( 20 );
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AssertionError( e );
		}
	}
}
