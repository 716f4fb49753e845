package io.writebehind.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * The database the suite runs on, chosen by the system property {@code writebehind.test.db} ({@code h2}, the default,
 * {@code postgresql} or {@code mariadb}; the Maven profiles {@code -Ppostgresql} and {@code -Pmariadb} set it). URL,
 * user and password default to the local servers and can be overridden by system properties or environment variables:
 * {@code writebehind.test.postgresql.url} / {@code WRITEBEHIND_TEST_POSTGRESQL_URL}, {@code ....user}, {@code ....password}
 * (likewise for mariadb). Every test gets a schema (PostgreSQL), database (MariaDB) or in-memory database (H2) of its
 * own, so runs never see each other's rows. An unreachable server fails the test with a message saying how to start
 * it; it never skips.
 */
public enum TestDatabase {

	H2( "jdbc:h2:mem:", "sa", "" ),
	POSTGRESQL( "jdbc:postgresql://127.0.0.1:5432/test", "postgres", "" ),
	MARIADB( "jdbc:mariadb://127.0.0.1:3306/test", "root", "" );

	private final String defaultUrl;
	private final String defaultUser;
	private final String defaultPassword;

	TestDatabase(String defaultUrl, String defaultUser, String defaultPassword) {
		this.defaultUrl = defaultUrl;
		this.defaultUser = defaultUser;
		this.defaultPassword = defaultPassword;
	}

	public static TestDatabase current() {
		String name = System.getProperty( "writebehind.test.db", System.getenv().getOrDefault( "WRITEBEHIND_TEST_DB", "h2" ) );
		try {
			return valueOf( name.trim().toUpperCase( Locale.ROOT ) );
		}
		catch (IllegalArgumentException e) {
			throw new IllegalArgumentException( "writebehind.test.db was '" + name + "', must be h2, postgresql or mariadb" );
		}
	}

	private String setting(String key, String defaultValue) {
		String property = "writebehind.test." + name().toLowerCase( Locale.ROOT ) + "." + key;
		String value = System.getProperty( property );
		if ( value == null ) {
			value = System.getenv( property.toUpperCase( Locale.ROOT ).replace( '.', '_' ) );
		}
		return value == null ? defaultValue : value;
	}

	public String user() {
		return setting( "user", defaultUser );
	}

	public String password() {
		return setting( "password", defaultPassword );
	}

	String baseUrl() {
		return setting( "url", defaultUrl );
	}

	/** Creates a fresh, empty schema (or database) and returns the JDBC URL that points into it. */
	public Schema createSchema() {
		String name = "wb_" + UUID.randomUUID().toString().replace( "-", "" ).substring( 0, 12 );
		switch ( this ) {
			case H2:
				return new Schema( this, name, baseUrl() + name + ";DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE" );
			case POSTGRESQL:
				execute( baseUrl(), "create schema " + name );
				return new Schema( this, name, baseUrl() + ( baseUrl().contains( "?" ) ? "&" : "?" ) + "currentSchema=" + name );
			case MARIADB:
				execute( baseUrl(), "create database " + name );
				String url = baseUrl();
				int slash = url.indexOf( '/', "jdbc:mariadb://".length() );
				int query = url.indexOf( '?' );
				String tail = query < 0 ? "" : url.substring( query );
				return new Schema( this, name, url.substring( 0, slash + 1 ) + name + tail );
			default:
				throw new AssertionError( this );
		}
	}

	void drop(Schema schema) {
		switch ( this ) {
			case H2 -> execute( schema.url(), "shutdown" );
			case POSTGRESQL -> execute( baseUrl(), "drop schema " + schema.name() + " cascade" );
			case MARIADB -> execute( baseUrl(), "drop database " + schema.name() );
		}
	}

	public Connection connect(String url) throws SQLException {
		try {
			return DriverManager.getConnection( url, user(), password() );
		}
		catch (SQLException e) {
			throw new SQLException( unreachable(), e );
		}
	}

	private String unreachable() {
		return switch ( this ) {
			case H2 -> "H2 (embedded) could not be opened";
			case POSTGRESQL -> "PostgreSQL is not reachable at " + baseUrl() + " as user " + user() + ". Start it with "
					+ "'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' (or point "
					+ "writebehind.test.postgresql.url / WRITEBEHIND_TEST_POSTGRESQL_URL at a running server)";
			case MARIADB -> "MariaDB is not reachable at " + baseUrl() + " as user " + user() + ". Start it with "
					+ "'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd' (or point "
					+ "writebehind.test.mariadb.url / WRITEBEHIND_TEST_MARIADB_URL at a running server)";
		};
	}

	private void execute(String url, String sql) {
		try ( Connection connection = connect( url ); Statement statement = connection.createStatement() ) {
			statement.execute( sql );
		}
		catch (SQLException e) {
			throw new IllegalStateException( "Could not run '" + sql + "' on " + this + ": " + e.getMessage(), e );
		}
	}

	/** A schema of one test. */
	public record Schema(TestDatabase database, String name, String url) {
		public Connection connect() throws SQLException {
			return database.connect( url );
		}

		public void drop() {
			database.drop( this );
		}
	}
}
