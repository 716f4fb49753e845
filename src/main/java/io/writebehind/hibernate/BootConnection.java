package io.writebehind.hibernate;

import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import org.hibernate.cfg.JdbcSettings;
import org.hibernate.engine.jdbc.connections.spi.ConnectionProvider;
import org.hibernate.engine.spi.SessionFactoryImplementor;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.config.WriteBehindConfig;

/**
 * What the boot checks read from one connection of the factory's pool (borrowed once, at boot): its isolation level,
 * its autocommit mode and its JDBC URL; {@code null} when no connection could be had (the database is down at boot):
 * the checks that need them are then skipped, and the flusher copes at run time. {@code configuredUrl} is the URL with
 * its options, as configured (Hibernate's URL settings, or the DataSource's URL property), when it can be read:
 * drivers report it without options in their metadata.
 */
record BootConnection(Integer isolation, Boolean autoCommit, String url, String configuredUrl) {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( WriteBehindIntegrator.class );

	private static final String[] URL_SETTINGS = { JdbcSettings.JAKARTA_JDBC_URL, JdbcSettings.URL,
			JdbcSettings.JPA_JDBC_URL };

	static BootConnection read(SessionFactoryImplementor factory, Map<String, Object> settings) {
		ConnectionProvider provider = factory.getServiceRegistry().getService( ConnectionProvider.class );
		String configuredUrl = configuredUrl( provider, settings );
		if ( provider == null ) {
			return new BootConnection( null, null, null, configuredUrl );
		}
		try {
			Connection connection = provider.getConnection();
			try {
				String url = null;
				try {
					url = connection.getMetaData().getURL();
				}
				catch (SQLException | RuntimeException noUrl) {
					// a driver or pool that does not tell: the URL checks are skipped
				}
				return new BootConnection( connection.getTransactionIsolation(), connection.getAutoCommit(), url,
						configuredUrl );
			}
			finally {
				provider.closeConnection( connection );
			}
		}
		catch (SQLException | RuntimeException e) {
			return new BootConnection( null, null, null, configuredUrl );
		}
	}

	/** The URL Hibernate's settings name, else the URL property of the provider's DataSource (pools have one). */
	private static String configuredUrl(ConnectionProvider provider, Map<String, Object> settings) {
		for ( String key : URL_SETTINGS ) {
			Object url = settings.get( key );
			if ( url != null && !url.toString().isBlank() ) {
				return url.toString().trim();
			}
		}
		if ( provider == null ) {
			return null;
		}
		try {
			Object source = provider.isUnwrappableAs( DataSource.class ) ? provider.unwrap( DataSource.class ) : provider;
			for ( String getter : new String[] { "getJdbcUrl", "getUrl", "getURL" } ) {
				try {
					Method method = source.getClass().getMethod( getter );
					if ( method.getReturnType() == String.class && method.getParameterCount() == 0 ) {
						Object url = method.invoke( source );
						if ( url != null ) {
							return url.toString().trim();
						}
					}
				}
				catch (NoSuchMethodException notThisOne) {
					// try the next name
				}
			}
		}
		catch (ReflectiveOperationException | RuntimeException e) {
			// not readable: the metadata's URL is all there is
		}
		return null;
	}

	/**
	 * With {@code provider_disables_autocommit=true} Hibernate trusts the pool to hand out connections with autocommit
	 * off and never switches it off itself: a pool in autocommit mode makes every statement commit on its own, so
	 * rollbacks do nothing and no transaction is atomic. Refused.
	 */
	void checkAutocommit(Map<String, Object> settings, String logPrefix) {
		boolean providerDisables = Boolean.parseBoolean( String.valueOf(
				settings.get( JdbcSettings.CONNECTION_PROVIDER_DISABLES_AUTOCOMMIT ) ).trim() );
		if ( providerDisables && Boolean.TRUE.equals( autoCommit ) ) {
			throw new WriteBehindConfigurationException( logPrefix + JdbcSettings.CONNECTION_PROVIDER_DISABLES_AUTOCOMMIT
					+ "=true, but the connection pool hands out connections in autocommit mode: Hibernate then never "
					+ "switches autocommit off, so every statement commits on its own, rollbacks do nothing and no "
					+ "transaction is atomic (the application's nor write-behind's). Configure the pool to hand out "
					+ "connections with autocommit off: with Spring Boot spring.datasource.hikari.auto-commit=false (Boot "
					+ "then sets " + JdbcSettings.CONNECTION_PROVIDER_DISABLES_AUTOCOMMIT + " itself; a hibernate.hikari.* "
					+ "key under spring.jpa.properties does not configure Boot's pool), with Hibernate's HikariCP "
					+ "provider hibernate.hikari.autoCommit=false, with a DataSource of your own "
					+ "HikariConfig.setAutoCommit(false) or your pool's equivalent. Or remove "
					+ JdbcSettings.CONNECTION_PROVIDER_DISABLES_AUTOCOMMIT + " (Hibernate then switches autocommit off "
					+ "at every begin())." );
		}
	}

	/**
	 * With {@code flush_on_shutdown=true} the JVM shutdown hook writes the pending writes at exit; an embedded H2
	 * database closes itself in a shutdown hook of its own (unless {@code DB_CLOSE_ON_EXIT=FALSE}), under the flusher,
	 * and every pending write would be lost. Refused. An in-memory H2 database is not refused: it does not outlive the
	 * JVM, so nothing written at exit would be kept anyway.
	 */
	void checkShutdownDrain(WriteBehindConfig config, String logPrefix) {
		if ( !config.flushOnShutdown || !isEmbeddedH2File() ) {
			return;
		}
		if ( configuredUrl == null || !configuredUrl.toLowerCase( Locale.ROOT ).startsWith( "jdbc:h2:" ) ) {
			// the pool's URL cannot be read (H2's metadata drops the options): say what to check
			LOG.embeddedH2OptionsUnknown( logPrefix, url, WriteBehindSettings.FLUSH_ON_SHUTDOWN );
			return;
		}
		if ( !configuredUrl.toLowerCase( Locale.ROOT ).replace( " ", "" ).contains( ";db_close_on_exit=false" ) ) {
			throw new WriteBehindConfigurationException( logPrefix + "The embedded H2 database " + configuredUrl + " is closed by "
					+ "H2's own JVM shutdown hook, under write-behind's: with " + WriteBehindSettings.FLUSH_ON_SHUTDOWN
					+ "=true (the default) the writes still pending at JVM exit could not be written and would be lost. "
					+ "Add ;DB_CLOSE_ON_EXIT=FALSE to the JDBC URL (write-behind then writes them at exit; the "
					+ "application closes the database itself, as H2 requires with that option), or use an H2 server "
					+ "(jdbc:h2:tcp://...), or set " + WriteBehindSettings.FLUSH_ON_SHUTDOWN + "=false and call "
					+ "WriteBehind.flush() or close the EntityManagerFactory before the JVM exits." );
		}
	}

	/**
	 * Whether an H2 URL opens a file database in this JVM: {@code jdbc:h2:file:}, {@code jdbc:h2:~/...},
	 * {@code jdbc:h2:./...}, {@code jdbc:h2:/...}, a bare name, {@code split:}, {@code nio:}...; not {@code tcp:},
	 * {@code ssl:}, {@code mem:} or {@code zip:} (read-only).
	 */
	boolean isEmbeddedH2File() {
		String known = url != null ? url : configuredUrl;
		if ( known == null || !known.toLowerCase( Locale.ROOT ).startsWith( "jdbc:h2:" ) ) {
			return false;
		}
		String rest = known.toLowerCase( Locale.ROOT ).substring( "jdbc:h2:".length() );
		return !( rest.startsWith( "tcp:" ) || rest.startsWith( "ssl:" ) || rest.startsWith( "mem:" )
				|| rest.startsWith( "zip:" ) );
	}
}
