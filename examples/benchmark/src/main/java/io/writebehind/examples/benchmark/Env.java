package io.writebehind.examples.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.stream.Stream;

/** The database the benchmark runs on. */
public final class Env {

	public final String url;
	public final String user;
	public final String password;
	/** h2, postgresql, mariadb or other: names the JSON file. */
	public final String kind;
	public final String product;
	public final String productVersion;
	public final String driver;

	private Env(String url, String user, String password, String kind, String product, String productVersion,
			String driver) {
		this.url = url;
		this.user = user;
		this.password = password;
		this.kind = kind;
		this.product = product;
		this.productVersion = productVersion;
		this.driver = driver;
	}

	/** Connects once to learn the product and version; {@code url} null means an H2 file under {@code target}. */
	static Env connect(String url, String user, String password, Path target) throws IOException, SQLException {
		if ( url == null ) {
			Path dir = target.toAbsolutePath().resolve( "bench-db" );
			deleteRecursively( dir );
			// DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook must not close the database under write-behind's
			url = "jdbc:h2:file:" + dir.resolve( "bench" ) + ";DB_CLOSE_ON_EXIT=FALSE";
			if ( user == null ) {
				user = "sa";
			}
		}
		String kind = url.startsWith( "jdbc:h2:" ) ? "h2"
				: url.startsWith( "jdbc:postgresql:" ) ? "postgresql"
				: url.startsWith( "jdbc:mariadb:" ) || url.startsWith( "jdbc:mysql:" ) ? "mariadb"
				: "other";
		loadDriver( kind );
		try ( Connection c = user == null ? DriverManager.getConnection( url )
				: DriverManager.getConnection( url, user, password == null ? "" : password ) ) {
			DatabaseMetaData md = c.getMetaData();
			return new Env( url, user, password, kind, md.getDatabaseProductName(), md.getDatabaseProductVersion(),
					md.getDriverName() + " " + md.getDriverVersion() );
		}
	}

	/** The URL without a password parameter. */
	public String safeUrl() {
		return url.replaceAll( "(?i)(password=)[^;&]*", "$1***" );
	}

	/**
	 * exec:java runs inside Maven's JVM, where {@code DriverManager} may have looked for drivers before the
	 * benchmark's class path existed: load the driver by name.
	 */
	private static void loadDriver(String kind) {
		String driver = switch ( kind ) {
			case "h2" -> "org.h2.Driver";
			case "postgresql" -> "org.postgresql.Driver";
			case "mariadb" -> "org.mariadb.jdbc.Driver";
			default -> null;
		};
		if ( driver != null ) {
			try {
				Class.forName( driver );
			}
			catch (ClassNotFoundException e) {
				throw new IllegalStateException( "JDBC driver " + driver + " is not on the class path", e );
			}
		}
	}

	private static void deleteRecursively(Path dir) throws IOException {
		if ( !Files.exists( dir ) ) {
			return;
		}
		try ( Stream<Path> paths = Files.walk( dir ) ) {
			for ( Path p : paths.sorted( Comparator.reverseOrder() ).toList() ) {
				Files.delete( p );
			}
		}
	}
}
