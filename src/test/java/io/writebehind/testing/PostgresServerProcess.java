package io.writebehind.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server owned by one test: {@code initdb} and {@code pg_ctl} of {@code /usr/lib/postgresql/15/bin} in a
 * temporary directory, on a free loopback port, run as the {@code postgres} OS user (initdb refuses root). It accepts
 * only TLS connections ({@code hostssl}), authenticated with SCRAM-SHA-256, with a self-signed certificate of its own
 * test CA ({@link #certificates()}); one user ({@link #USER}, {@link #PASSWORD}) owns the database {@code wb}.
 * {@link #close()} stops it ({@code pg_ctl stop -m immediate}) and deletes the directory. The machine's shared
 * PostgreSQL is never touched.
 */
public final class PostgresServerProcess implements AutoCloseable {

	public static final String USER = "wb_secure";
	public static final String PASSWORD = "pg-S3cret-of-the-test";
	private static final String BIN = "/usr/lib/postgresql/15/bin/";

	private final Path directory;
	private final Path data;
	private final int port;
	private final TestCertificates certificates;

	private PostgresServerProcess(Path directory, int port, TestCertificates certificates) {
		this.directory = directory;
		this.data = directory.resolve( "data" );
		this.port = port;
		this.certificates = certificates;
	}

	public static PostgresServerProcess start() {
		try {
			Path directory = Files.createTempDirectory( "writebehind-pg-" );
			Files.setPosixFilePermissions( directory, PosixFilePermissions.fromString( "rwxr-xr-x" ) );
			TestCertificates certificates = TestCertificates.generate( directory.resolve( "tls" ) );
			PostgresServerProcess server = new PostgresServerProcess( directory, RedisServerProcess.freePort(), certificates );
			server.init();
			return server;
		}
		catch (IOException e) {
			throw new UncheckedIOException( e );
		}
	}

	private void init() throws IOException {
		Path passwordFile = directory.resolve( "superuser-password" );
		Files.writeString( passwordFile, "superuser-" + PASSWORD + "\n" );
		// the server's key and certificate, readable by postgres only
		Files.copy( certificates.key(), directory.resolve( "server.key" ) );
		Files.copy( certificates.certificate(), directory.resolve( "server.crt" ) );
		run( "chown", "-R", "postgres:postgres", directory.toString() );
		run( "chmod", "600", directory.resolve( "server.key" ).toString() );
		asPostgres( BIN + "initdb", "-D", data.toString(), "-U", "postgres", "--auth=scram-sha-256",
				"--pwfile=" + passwordFile, "-E", "UTF8", "--locale=C" );
		Files.writeString( data.resolve( "pg_hba.conf" ), "local all all scram-sha-256\n"
				+ "hostssl all all 127.0.0.1/32 scram-sha-256\n" );
		Files.writeString( data.resolve( "postgresql.conf" ), "\nlisten_addresses = '127.0.0.1'\nport = " + port
				+ "\nunix_socket_directories = '" + directory + "'\npassword_encryption = 'scram-sha-256'\nssl = on\n"
				+ "ssl_cert_file = '" + directory.resolve( "server.crt" ) + "'\nssl_key_file = '"
				+ directory.resolve( "server.key" ) + "'\nfsync = off\nmax_connections = 30\nshared_buffers = 16MB\n",
				java.nio.file.StandardOpenOption.APPEND );
		asPostgres( BIN + "pg_ctl", "-D", data.toString(), "-l", directory.resolve( "server.log" ).toString(), "-w",
				"-t", "60", "start" );
		String sql = "create user " + USER + " with password '" + PASSWORD + "'; create database wb owner " + USER + ";";
		Path script = directory.resolve( "setup.sql" );
		Files.writeString( script, sql );
		run( "chown", "postgres:postgres", script.toString() );
		List<String> psql = List.of( "runuser", "-u", "postgres", "--", "env", "PGPASSWORD=superuser-" + PASSWORD,
				BIN + "psql", "-h", directory.toString(), "-p", Integer.toString( port ), "-U",
				"postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-f", script.toString() );
		exec( psql );
	}

	/** {@code jdbc:postgresql://127.0.0.1:<port>/wb} with {@code sslmode=verify-full} against the test CA. */
	public String url() {
		return "jdbc:postgresql://127.0.0.1:" + port + "/wb?sslmode=verify-full&sslrootcert=" + certificates.ca();
	}

	public int port() {
		return port;
	}

	public TestCertificates certificates() {
		return certificates;
	}

	@Override
	public void close() {
		try {
			asPostgres( BIN + "pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop" );
		}
		finally {
			try {
				run( "rm", "-rf", directory.toString() );
			}
			catch (RuntimeException ignored) {
				// a temporary directory left behind
			}
		}
	}

	private static void asPostgres(String... command) {
		List<String> full = new ArrayList<>( List.of( "runuser", "-u", "postgres", "--" ) );
		full.addAll( List.of( command ) );
		exec( full );
	}

	private static void run(String... command) {
		exec( List.of( command ) );
	}

	private static void exec(List<String> command) {
		try {
			Process process = new ProcessBuilder( command ).redirectErrorStream( true ).start();
			String output = new String( process.getInputStream().readAllBytes() );
			if ( !process.waitFor( 120, TimeUnit.SECONDS ) || process.exitValue() != 0 ) {
				throw new AssertionError( "Failed: " + command + "\n" + output );
			}
		}
		catch (IOException e) {
			throw new UncheckedIOException( e );
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AssertionError( e );
		}
	}
}
