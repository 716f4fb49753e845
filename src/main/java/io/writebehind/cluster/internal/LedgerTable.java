package io.writebehind.cluster.internal;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

import org.hibernate.StatelessSession;
import org.hibernate.Transaction;
import org.hibernate.engine.spi.SessionFactoryImplementor;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.common.Causes;
import io.writebehind.internal.common.WriteBehindLogger;

/**
 * The version ledger's table ({@code cluster.ledger_table}) and what is done to it outside the application's
 * transactions, each in a short transaction of its own on a stateless session: creating it at boot, clearing the rows
 * of entities whose tables were created anew, moving or releasing this node's claims of writes that will not reach
 * the database as claimed, purging rows that no longer count. The claims themselves are {@link VersionLedger}'s.
 * <p>
 * Thread use: {@link #ensureTable} and {@link #clear} at boot; {@link #rewrite} and {@link #purge} on the coherence
 * publisher thread. No mutable state.
 */
final class LedgerTable {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( LedgerTable.class );

	/** This node's claim {@code claimed} of an id will not reach the database as claimed. */
	sealed interface Rewrite {
		String entity();

		String id();

		long claimed();
	}

	/** The write was dropped: the claim goes (the nodes then trust the database's version again). */
	record Release(String entity, String id, long claimed) implements Rewrite {
	}

	/** The write was re-based and will write {@code next}: the claim moves there. */
	record Move(String entity, String id, long claimed, long next) implements Rewrite {
	}

	/** Where {@link DatabaseMetaData#getTables} looks for the table. */
	private record Place(String catalog, String schema) {
	}

	private final SessionFactoryImplementor factory;
	private final String table;
	private final String logPrefix;
	private final String release;
	private final String move;
	private final String purge;

	LedgerTable(SessionFactoryImplementor factory, String table, String logPrefix) {
		this.factory = factory;
		this.table = table;
		this.logPrefix = logPrefix;
		this.release = "delete from " + table + " where entity_name = ? and entity_id = ? and version = ?";
		this.move = "update " + table + " set version = ?, claimed_at = ? where entity_name = ? and entity_id = ? "
				+ "and version = ?";
		this.purge = "delete from " + table + " where claimed_at < ?";
	}

	/** The DDL of the ledger's table (also in docs/several-nodes.md). */
	static String ddl(String table) {
		return "create table " + table + " (entity_name varchar(255) not null, entity_id varchar(255) not null, "
				+ "version bigint not null, claimed_at bigint not null, primary key (entity_name, entity_id))";
	}

	String name() {
		return table;
	}

	/** Creates the table when it is missing; fails with the DDL to run when that is not possible. */
	void ensureTable() {
		if ( exists() ) {
			return;
		}
		try {
			inOwnTransaction( connection -> {
				try ( Statement statement = connection.createStatement() ) {
					statement.execute( ddl( table ) );
				}
				return null;
			} );
			LOG.ledgerTableCreated( logPrefix, table, WriteBehindSettings.CLUSTER_VERSION_CHECK );
		}
		catch (RuntimeException e) {
			if ( exists() ) {
				return; // another node created it at the same moment
			}
			throw new WriteBehindConfigurationException( WriteBehindSettings.CLUSTER_VERSION_CHECK + "=commit needs the "
					+ "version ledger table '" + table + "' (" + WriteBehindSettings.CLUSTER_LEDGER_TABLE + ") in the "
					+ "unit's database; it is missing and could not be created (" + Causes.rootMessage( e ) + "). Create "
					+ "it: " + ddl( table ) + "; or set " + WriteBehindSettings.CLUSTER_VERSION_CHECK + "=flush", e );
		}
	}

	/** Whether the table exists, asked of the JDBC metadata (as written, in upper and in lower case). */
	private boolean exists() {
		return exists( factory, table );
	}

	/** Whether {@code table} exists, asked of the JDBC metadata (as written, in upper and in lower case). */
	static boolean exists(SessionFactoryImplementor factory, String table) {
		try {
			return inOwnTransaction( factory, connection -> {
				DatabaseMetaData metadata = connection.getMetaData();
				int dot = table.indexOf( '.' );
				String schema = dot < 0 ? null : table.substring( 0, dot );
				String name = dot < 0 ? table : table.substring( dot + 1 );
				for ( UnaryOperator<String> form : List.<UnaryOperator<String>>of( text -> text,
						text -> text.toUpperCase( Locale.ROOT ), text -> text.toLowerCase( Locale.ROOT ) ) ) {
					String schemaForm = schema == null ? null : form.apply( schema );
					// MySQL/MariaDB call a database a catalog
					for ( Place place : List.of( new Place( null, schemaForm ), new Place( schemaForm, null ) ) ) {
						try ( ResultSet tables = metadata.getTables( place.catalog(), place.schema(), form.apply( name ),
								new String[] { "TABLE" } ) ) {
							while ( tables.next() ) {
								if ( schema != null || isCurrent( connection, tables.getString( "TABLE_CAT" ),
										tables.getString( "TABLE_SCHEM" ) ) ) {
									return true;
								}
							}
						}
					}
				}
				return false;
			} );
		}
		catch (RuntimeException e) {
			return false;
		}
	}

	/** Whether a table found without a schema in the name is in the connection's current schema (or catalog). */
	private static boolean isCurrent(Connection connection, String catalog, String schema) throws SQLException {
		String currentSchema = connection.getSchema();
		String currentCatalog = connection.getCatalog();
		return schema != null && currentSchema != null ? schema.equalsIgnoreCase( currentSchema )
				: catalog == null || currentCatalog == null || catalog.equalsIgnoreCase( currentCatalog );
	}

	/**
	 * Deletes the rows of these entities: their tables were just dropped and created again (schema management
	 * {@code create}, {@code create-drop}, {@code drop-and-create}), so no version of theirs is in the database.
	 */
	void clear(List<String> entityNames) {
		if ( entityNames.isEmpty() ) {
			return;
		}
		int deleted = inOwnTransaction( connection -> {
			try ( PreparedStatement statement = connection.prepareStatement( "delete from " + table
					+ " where entity_name = ?" ) ) {
				for ( String entity : entityNames ) {
					statement.setString( 1, entity );
					statement.addBatch();
				}
				int total = 0;
				for ( int count : statement.executeBatch() ) {
					total += Math.max( count, 0 );
				}
				return total;
			}
		} );
		LOG.ledgerCleared( logPrefix, deleted, table );
	}

	/**
	 * Applies {@link Rewrite}s, each only while the id's row still holds this node's claim: another node's newer claim
	 * stays. Nodes then trust the database's version again for a dropped write.
	 */
	void rewrite(List<Rewrite> rewrites) {
		if ( rewrites.isEmpty() ) {
			return;
		}
		try {
			inOwnTransaction( connection -> {
				try ( PreparedStatement releasing = connection.prepareStatement( release );
						PreparedStatement moving = connection.prepareStatement( move ) ) {
					long now = System.currentTimeMillis();
					for ( Rewrite rewrite : rewrites ) {
						if ( rewrite instanceof Move m ) {
							moving.setLong( 1, m.next() );
							moving.setLong( 2, now );
							moving.setString( 3, m.entity() );
							moving.setString( 4, m.id() );
							moving.setLong( 5, m.claimed() );
							moving.executeUpdate();
						}
						else {
							releasing.setString( 1, rewrite.entity() );
							releasing.setString( 2, rewrite.id() );
							releasing.setLong( 3, rewrite.claimed() );
							releasing.executeUpdate();
						}
					}
				}
				return null;
			} );
		}
		catch (RuntimeException e) {
			LOG.ledgerRewriteFailed( logPrefix, rewrites.size(), table, Causes.rootMessage( e ) );
		}
	}

	/** Deletes the rows older than {@code maxTtlMillis} (they no longer count). */
	void purge(long maxTtlMillis) {
		try {
			inOwnTransaction( connection -> {
				try ( PreparedStatement statement = connection.prepareStatement( purge ) ) {
					statement.setLong( 1, System.currentTimeMillis() - maxTtlMillis );
					return statement.executeUpdate();
				}
			} );
		}
		catch (RuntimeException e) {
			LOG.ledgerPurgeFailed( logPrefix, table, Causes.rootMessage( e ) );
		}
	}

	interface Work<T> {
		T run(Connection connection) throws SQLException;
	}

	private <T> T inOwnTransaction(Work<T> work) {
		return inOwnTransaction( factory, work );
	}

	/** Runs {@code work} in a short transaction of its own, on a stateless session's connection. */
	static <T> T inOwnTransaction(SessionFactoryImplementor factory, Work<T> work) {
		try ( StatelessSession session = factory.openStatelessSession() ) {
			Transaction transaction = session.beginTransaction();
			boolean done = false;
			try {
				T result = session.doReturningWork( work::run );
				transaction.commit();
				done = true;
				return result;
			}
			finally {
				if ( !done && transaction.isActive() ) {
					transaction.rollback();
				}
			}
		}
	}
}
