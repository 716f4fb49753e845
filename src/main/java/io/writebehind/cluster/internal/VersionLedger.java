package io.writebehind.cluster.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;

import org.hibernate.StaleObjectStateException;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.exception.ConstraintViolationException;

import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.common.Causes;
import io.writebehind.internal.common.HibernateFailures;

/**
 * The cluster's version ledger ({@code cluster.version_check=commit}): a table in the unit's database
 * ({@link LedgerTable}) holding, per entity id written lately by any node, the latest version a node committed (or
 * "removed"), and when.
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
 * Versions are compared as numbers ({@link LedgerVersions}).
 * <p>
 * Thread use: {@link #claim} runs on the committing application thread (on the session's connection). No mutable
 * state.
 */
public final class VersionLedger {

	/**
	 * One versioned write of a committing transaction: {@code expected} is the version it read ({@code null}: an insert),
	 * {@code next} the version it commits ({@link LedgerVersions#REMOVED} for a removal).
	 */
	public record Claim(String entity, String id, Long expected, long next, long ttlMillis, Object idObject,
			Object expectedVersion) {

		/** Whether the write is an insert (it read no version). */
		boolean insert() {
			return expected == null;
		}
	}

	/** What a refused claim found: the newer version, empty when the row holds a removal or no row is there. */
	public interface Refusal {
		void refused(Claim claim, OptionalLong newer);
	}

	/** Whether the entity's table holds the id's row, read in the committing transaction. */
	public interface RowCheck {
		boolean rowExists(Claim claim);
	}

	private static final Comparator<Claim> ORDER = Comparator.comparing( Claim::entity ).thenComparing( Claim::id );
	/** The SQLState class of an integrity-constraint violation. */
	private static final String INTEGRITY_VIOLATION = "23";

	private final LedgerTable table;
	private final String logPrefix;
	private final String update;
	private final String updateInsert;
	private final String updateRemoved;
	private final String select;
	private final String insert;

	VersionLedger(LedgerTable table, String logPrefix) {
		this.table = table;
		this.logPrefix = logPrefix;
		String name = table.name();
		this.update = "update " + name + " set version = ?, claimed_at = ? where entity_name = ? and entity_id = ? "
				+ "and (version <= ? or claimed_at < ?)";
		this.updateInsert = "update " + name + " set version = ?, claimed_at = ? where entity_name = ? and entity_id = ? "
				+ "and claimed_at < ?";
		this.updateRemoved = "update " + name + " set version = ?, claimed_at = ? where entity_name = ? and entity_id = ? "
				+ "and version = " + LedgerVersions.REMOVED;
		this.select = "select version from " + name + " where entity_name = ? and entity_id = ?";
		this.insert = "insert into " + name + " (entity_name, entity_id, version, claimed_at) values (?, ?, ?, ?)";
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
			byte[] digest = MessageDigest.getInstance( "SHA-256" ).digest( idText.getBytes( StandardCharsets.UTF_8 ) );
			return "#" + HexFormat.of().formatHex( digest );
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException( e ); // every Java platform has SHA-256
		}
	}

	LedgerTable table() {
		return table;
	}

	/**
	 * Claims the versions of a committing transaction's writes on its own connection (in id order, so that two
	 * transactions never wait for each other's rows in opposite orders). Throws {@link StaleObjectStateException} when
	 * another node committed a newer version of an id, a duplicate-key {@link ConstraintViolationException} when an
	 * insert's id was written by another node lately; the caller's transaction then rolls back, and with it the claims
	 * made.
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
				sql = claim.insert() ? updateInsert : update;
				int updated = claim.insert() ? setVersion( connection, updateInsert, claim, now, cutoff )
						: setVersion( connection, update, claim, now, claim.expected(), cutoff );
				if ( updated > 0 ) {
					continue;
				}
				// no row, or a row another node claimed lately with a newer version
				sql = select;
				OptionalLong found = claimed( connection, claim );
				boolean removed = found.isPresent() && found.getAsLong() == LedgerVersions.REMOVED;
				if ( removed && claim.insert() && !rowCheck.rowExists( claim ) ) {
					// an insert of an id another node removed lately, and the removal is in the database already
					sql = updateRemoved;
					if ( setVersion( connection, updateRemoved, claim, now ) > 0 ) {
						continue;
					}
				}
				if ( found.isEmpty() ) {
					sql = insert;
					if ( inserted( connection, claim, now ) ) {
						continue;
					}
					// another node inserted the row since the SELECT (and committed)
				}
				refuse( claim, found, refusal );
			}
		}
		catch (SQLException e) {
			throw session.getJdbcServices().getSqlExceptionHelper().convert( e, logPrefix + "Could not claim a version "
					+ "in the write-behind version ledger " + table.name() + " ("
					+ WriteBehindSettings.CLUSTER_VERSION_CHECK + "=commit)", sql );
		}
	}

	/** The version the id's row holds; empty when there is no row. */
	private OptionalLong claimed(Connection connection, Claim claim) throws SQLException {
		try ( PreparedStatement statement = connection.prepareStatement( select ) ) {
			statement.setString( 1, claim.entity() );
			statement.setString( 2, claim.id() );
			try ( ResultSet rows = statement.executeQuery() ) {
				return rows.next() ? OptionalLong.of( rows.getLong( 1 ) ) : OptionalLong.empty();
			}
		}
	}

	/** Inserts the id's row; false when another node inserted it meanwhile (a duplicate key). */
	private boolean inserted(Connection connection, Claim claim, long now) throws SQLException {
		try ( PreparedStatement statement = connection.prepareStatement( insert ) ) {
			statement.setString( 1, claim.entity() );
			statement.setString( 2, claim.id() );
			statement.setLong( 3, claim.next() );
			statement.setLong( 4, now );
			statement.executeUpdate();
			return true;
		}
		catch (SQLException e) {
			if ( !INTEGRITY_VIOLATION.equals( Causes.sqlStateClass( e ) ) ) {
				throw e;
			}
			return false;
		}
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

	/** {@code found}: the version of the row that refused the claim (empty: the row appeared since the SELECT). */
	private static void refuse(Claim claim, OptionalLong found, Refusal refusal) {
		boolean removed = found.isPresent() && found.getAsLong() == LedgerVersions.REMOVED;
		refusal.refused( claim, removed ? OptionalLong.empty() : found );
		if ( claim.insert() ) {
			throw HibernateFailures.duplicateId( claim.entity(), claim.idObject(), "committed by another application "
					+ "node lately" + ( removed ? " and removed; its removal is not in the database yet" : "" )
					+ "; this transaction's persist() of that id was refused by the cluster version ledger" );
		}
		throw new StaleObjectStateException( claim.entity(), claim.idObject(), "version " + claim.expectedVersion()
				+ " was read, but another application node committed " + ( found.isEmpty() ? "a newer version"
						: removed ? "its removal" : "a newer version (ledger: " + found.getAsLong() + ")" )
				+ " first (cluster version ledger)" );
	}
}
