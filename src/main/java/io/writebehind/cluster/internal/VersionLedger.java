package io.writebehind.cluster.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;

import org.hibernate.StaleObjectStateException;
import org.hibernate.StatelessSession;
import org.hibernate.Transaction;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.jboss.logging.Logger;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;

/**
 * The cluster's version ledger ({@code cluster.version_check=commit}): a table in the unit's database holding, per
 * entity id written lately by any node, the latest version a node committed (or "removed"), and when.
 * <p>
 * Before an application transaction of any node commits a versioned write, it claims the new version in the ledger,
 * in that same transaction, on its connection: {@code UPDATE ... WHERE version <= <the version read>}. A claim
 * that finds a newer version there (another node committed one, whose write may still be pending on that node) fails,
 * and so does the commit, with {@code OptimisticLockException}; the row lock the UPDATE takes makes two nodes that
 * commit to one id at once wait for each other, and the second sees the first's claim. Rows older than the region's
 * time-to-live ({@code cluster.claim_ttl_ms}; by default {@code 2 * max_delay_ms + 10 s}: by then a running node's
 * write reached the database and every node heard of it; with a journal 10 minutes, so that a node restarted on its
 * journal still holds the claims of the writes it replays) count as absent: a node that crashed, or a write an
 * administrator changed with SQL, does not block an id for longer.
 * An insert of an id whose removal another node claimed lately is allowed once the entity's table no longer holds the
 * row (the removal was written), refused before.
 * Versions are compared as numbers: integral versions as they are, timestamps as microseconds since the epoch.
 * <p>
 * Thread use: {@link #claim} runs on the committing application thread (on the session's connection);
 * {@link #rewrite} and {@link #purge} on the coherence publisher thread, each in a short transaction of its own.
 */
public final class VersionLedger {

	private static final Logger LOG = Logger.getLogger( VersionLedger.class );

	/** The version stored for a removed entity (greater than any version). */
	static final long REMOVED = Long.MAX_VALUE;

	/**
	 * One versioned write of a committing transaction: {@code expected} is the version it read ({@code null}: an insert),
	 * {@code next} the version it commits ({@link #REMOVED} for a removal).
	 */
	public record Claim(String entity, String id, Long expected, long next, long ttlMillis, Object idObject,
			Object expectedVersion) {
	}

	/** What a refused claim found: the newer version (or {@code null}: removed, or not a plain number). */
	public interface Refusal {
		void refused(Claim claim, Long found);
	}

	/** Whether the entity's table holds the id's row, read in the committing transaction. */
	public interface RowCheck {
		boolean rowExists(Claim claim);
	}

	private static final Comparator<Claim> ORDER = Comparator.comparing( Claim::entity ).thenComparing( Claim::id );

	private final SessionFactoryImplementor factory;
	private final String table;
	private final String logPrefix;
	private final String update;
	private final String updateInsert;
	private final String updateRemoved;
	private final String select;
	private final String insert;
	private final String delete;
	private final String move;
	private final String purge;

	public VersionLedger(SessionFactoryImplementor factory, String table, String logPrefix) {
		this.factory = factory;
		this.table = table;
		this.logPrefix = logPrefix;
		this.update = "update " + table + " set version = ?, claimed_at = ? where entity_name = ? and entity_id = ? "
				+ "and (version <= ? or claimed_at < ?)";
		this.updateInsert = "update " + table + " set version = ?, claimed_at = ? where entity_name = ? and entity_id = ? "
				+ "and claimed_at < ?";
		this.updateRemoved = "update " + table + " set version = ?, claimed_at = ? where entity_name = ? and entity_id = ? "
				+ "and version = " + REMOVED;
		this.select = "select version from " + table + " where entity_name = ? and entity_id = ?";
		this.insert = "insert into " + table + " (entity_name, entity_id, version, claimed_at) values (?, ?, ?, ?)";
		this.delete = "delete from " + table + " where entity_name = ? and entity_id = ? and version = ?";
		this.move = "update " + table + " set version = ?, claimed_at = ? where entity_name = ? and entity_id = ? "
				+ "and version = ?";
		this.purge = "delete from " + table + " where claimed_at < ?";
	}

	/**
	 * The ledger's key of an id: its text, or for a text longer than the column (255 characters) {@code #} and the
	 * SHA-256 of the text in hexadecimal (the same on every node).
	 */
	public static String key(String idText) {
		if ( idText.length() <= 255 ) {
			return idText;
		}
		try {
			byte[] digest = java.security.MessageDigest.getInstance( "SHA-256" )
					.digest( idText.getBytes( java.nio.charset.StandardCharsets.UTF_8 ) );
			return "#" + java.util.HexFormat.of().formatHex( digest );
		}
		catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException( e ); // every Java platform has SHA-256
		}
	}

	/** The DDL of the ledger's table (also in docs/several-nodes.md). */
	public static String ddl(String table) {
		return "create table " + table + " (entity_name varchar(255) not null, entity_id varchar(255) not null, "
				+ "version bigint not null, claimed_at bigint not null, primary key (entity_name, entity_id))";
	}

	public String table() {
		return table;
	}

	/** Creates the table when it is missing; fails with the DDL to run when that is not possible. */
	public void ensureTable() {
		if ( tableExists() ) {
			return;
		}
		try {
			inOwnTransaction( connection -> {
				try ( var statement = connection.createStatement() ) {
					statement.execute( ddl( table ) );
				}
				return null;
			} );
			LOG.infof( "%sCreated the version ledger table %s (%s=commit)", logPrefix, table,
					WriteBehindSettings.CLUSTER_VERSION_CHECK );
		}
		catch (RuntimeException e) {
			if ( tableExists() ) {
				return; // another node created it at the same moment
			}
			throw new WriteBehindConfigurationException( WriteBehindSettings.CLUSTER_VERSION_CHECK + "=commit needs the "
					+ "version ledger table '" + table + "' (" + WriteBehindSettings.CLUSTER_LEDGER_TABLE + ") in the "
					+ "unit's database; it is missing and could not be created (" + rootMessage( e ) + "). Create it: "
					+ ddl( table ) + "; or set " + WriteBehindSettings.CLUSTER_VERSION_CHECK + "=flush", e );
		}
	}

	/** Whether the table exists, asked of the JDBC metadata (as written, in upper and in lower case). */
	private boolean tableExists() {
		try {
			return inOwnTransaction( connection -> {
				var metadata = connection.getMetaData();
				int dot = table.indexOf( '.' );
				String schema = dot < 0 ? null : table.substring( 0, dot );
				String name = dot < 0 ? table : table.substring( dot + 1 );
				for ( java.util.function.UnaryOperator<String> form : List.<java.util.function.UnaryOperator<String>>of(
						text -> text, text -> text.toUpperCase( java.util.Locale.ROOT ),
						text -> text.toLowerCase( java.util.Locale.ROOT ) ) ) {
					String schemaForm = schema == null ? null : form.apply( schema );
					// MySQL/MariaDB call a database a catalog
					for ( String[] where : new String[][] { { null, schemaForm }, { schemaForm, null } } ) {
						try ( ResultSet tables = metadata.getTables( where[0], where[1], form.apply( name ),
								new String[] { "TABLE" } ) ) {
							while ( tables.next() ) {
								String tableSchema = tables.getString( "TABLE_SCHEM" );
								String catalog = tables.getString( "TABLE_CAT" );
								if ( schema != null || isCurrent( connection, catalog, tableSchema ) ) {
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
	 * Claims the versions of a committing transaction's writes on its own connection (in id order, so that two
	 * transactions never wait for each other's rows in opposite orders). Throws {@link StaleObjectStateException} when
	 * another node committed a newer version of an id, a duplicate-key
	 * {@link org.hibernate.exception.ConstraintViolationException} when an insert's id was written by another node lately; the caller's transaction then rolls back, and with it the claims made.
	 */
	public void claim(SharedSessionContractImplementor session, List<Claim> claims, RowCheck rowCheck, Refusal refusal) {
		if ( claims.size() > 1 ) {
			claims.sort( ORDER );
		}
		Connection connection = session.getJdbcCoordinator().getLogicalConnection().getPhysicalConnection();
		long now = System.currentTimeMillis();
		String sql = update;
		try {
			for ( Claim claim : claims ) {
				long cutoff = now - claim.ttlMillis();
				sql = claim.expected() == null ? updateInsert : update;
				int updated = claim.expected() == null ? setVersion( connection, updateInsert, claim, now, cutoff )
						: setVersion( connection, update, claim, now, claim.expected(), cutoff );
				if ( updated > 0 ) {
					continue;
				}
				// no row, or a row another node claimed lately with a newer version
				sql = select;
				Long found = null;
				boolean exists;
				try ( PreparedStatement statement = connection.prepareStatement( select ) ) {
					statement.setString( 1, claim.entity() );
					statement.setString( 2, claim.id() );
					try ( ResultSet rows = statement.executeQuery() ) {
						exists = rows.next();
						if ( exists ) {
							found = rows.getLong( 1 );
						}
					}
				}
				if ( exists && found == REMOVED && claim.expected() == null && !rowCheck.rowExists( claim ) ) {
					// an insert of an id another node removed lately, and the removal is in the database already
					sql = updateRemoved;
					if ( setVersion( connection, updateRemoved, claim, now ) > 0 ) {
						continue;
					}
				}
				if ( !exists ) {
					sql = insert;
					try ( PreparedStatement statement = connection.prepareStatement( insert ) ) {
						statement.setString( 1, claim.entity() );
						statement.setString( 2, claim.id() );
						statement.setLong( 3, claim.next() );
						statement.setLong( 4, now );
						statement.executeUpdate();
						continue;
					}
					catch (SQLException e) {
						if ( !isDuplicate( e ) ) {
							throw e;
						}
						// another node inserted the row since the SELECT (and committed)
					}
				}
				refuse( claim, found, refusal );
			}
		}
		catch (SQLException e) {
			throw session.getJdbcServices().getSqlExceptionHelper().convert( e, logPrefix + "Could not claim a version "
					+ "in the write-behind version ledger " + table + " (" + WriteBehindSettings.CLUSTER_VERSION_CHECK
					+ "=commit)", sql );
		}
	}

	/**
	 * Deletes the rows of these entities: their tables were just dropped and created again (schema management
	 * {@code create}, {@code create-drop}, {@code drop-and-create}), so no version of theirs is in the database.
	 */
	public void clear(List<String> entityNames) {
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
		LOG.debugf( "%sThe schema was created anew: removed %d row(s) of the version ledger %s", logPrefix, deleted, table );
	}

	/** Runs one of the UPDATEs: version, claimed_at, entity_name, entity_id, then the conditions' numbers. */
	private static int setVersion(Connection connection, String sql, Claim claim, long now, long... conditions)
			throws SQLException {
		try ( PreparedStatement statement = connection.prepareStatement( sql ) ) {
			statement.setLong( 1, claim.next() );
			statement.setLong( 2, now );
			statement.setString( 3, claim.entity() );
			statement.setString( 4, claim.id() );
			for ( int i = 0; i < conditions.length; i++ ) {
				statement.setLong( 5 + i, conditions[i] );
			}
			return statement.executeUpdate();
		}
	}

	private static void refuse(Claim claim, Long found, Refusal refusal) {
		Long newer = found == null || found == REMOVED ? null : found;
		refusal.refused( claim, newer );
		if ( claim.expected() == null ) {
			throw io.writebehind.internal.HibernateFailures.duplicateId( claim.entity(), claim.idObject(), "committed by "
					+ "another application node lately" + ( found != null && found == REMOVED ? " and removed; its "
							+ "removal is not in the database yet" : "" ) + "; this transaction's persist() of that id "
					+ "was refused by the cluster version ledger" );
		}
		throw new StaleObjectStateException( claim.entity(), claim.idObject(), "version " + claim.expectedVersion()
				+ " was read, but another application node committed " + ( found == null ? "a newer version"
						: found == REMOVED ? "its removal" : "a newer version (ledger: " + found + ")" )
				+ " first (cluster version ledger)" );
	}

	/** An integrity-constraint violation (SQLState class 23): here, the key inserted by another node meanwhile. */
	private static boolean isDuplicate(SQLException e) {
		return "23".equals( org.hibernate.internal.util.JdbcExceptionHelper.extractSqlStateClassCode( e ) );
	}

	/**
	 * This node's claim {@code claimed} of an id will not reach the database: {@code next == null}, the write was
	 * dropped (its claim goes); else it was re-based and will write {@code next} (the claim moves there).
	 */
	public record Rewrite(String entity, String id, long claimed, Long next) {
	}

	/**
	 * Applies {@link Rewrite}s, each only while the id's row still holds this node's claim: another node's newer claim
	 * stays. Nodes then trust the database's version again for a dropped write.
	 */
	public void rewrite(List<Rewrite> rewrites) {
		if ( rewrites.isEmpty() ) {
			return;
		}
		try {
			inOwnTransaction( connection -> {
				try ( PreparedStatement deleting = connection.prepareStatement( delete );
						PreparedStatement moving = connection.prepareStatement( move ) ) {
					long now = System.currentTimeMillis();
					for ( Rewrite rewrite : rewrites ) {
						if ( rewrite.next() == null ) {
							deleting.setString( 1, rewrite.entity() );
							deleting.setString( 2, rewrite.id() );
							deleting.setLong( 3, rewrite.claimed() );
							deleting.executeUpdate();
						}
						else {
							moving.setLong( 1, rewrite.next() );
							moving.setLong( 2, now );
							moving.setString( 3, rewrite.entity() );
							moving.setString( 4, rewrite.id() );
							moving.setLong( 5, rewrite.claimed() );
							moving.executeUpdate();
						}
					}
				}
				return null;
			} );
		}
		catch (RuntimeException e) {
			LOG.warnf( "%sCould not update %d row(s) of the version ledger %s (%s): other nodes' commits of those ids "
					+ "may be refused until the rows age out", logPrefix, rewrites.size(), table, rootMessage( e ) );
		}
	}

	/** Deletes the rows older than {@code maxTtlMillis} (they no longer count). */
	public void purge(long maxTtlMillis) {
		try {
			inOwnTransaction( connection -> {
				try ( PreparedStatement statement = connection.prepareStatement( purge ) ) {
					statement.setLong( 1, System.currentTimeMillis() - maxTtlMillis );
					return statement.executeUpdate();
				}
			} );
		}
		catch (RuntimeException e) {
			LOG.debugf( "%sCould not purge the version ledger %s: %s", logPrefix, table, rootMessage( e ) );
		}
	}

	private interface Work<T> {
		T run(Connection connection) throws SQLException;
	}

	private <T> T inOwnTransaction(Work<T> work) {
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

	private static String rootMessage(Throwable e) {
		Throwable root = org.hibernate.internal.util.ExceptionHelper.getRootCause( e );
		return root.getMessage() == null ? root.toString() : root.getMessage();
	}
}
