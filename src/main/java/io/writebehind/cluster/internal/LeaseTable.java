package io.writebehind.cluster.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hibernate.dialect.Dialect;
import org.hibernate.dialect.H2Dialect;
import org.hibernate.dialect.MariaDBDialect;
import org.hibernate.dialect.MySQLDialect;
import org.hibernate.dialect.PostgreSQLDialect;
import org.hibernate.engine.spi.SessionFactoryImplementor;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.common.Causes;
import io.writebehind.internal.common.WriteBehindLogger;

/**
 * The lease table of {@code cluster.version_check=lease} ({@code cluster.lease_table}): one row per root entity and
 * bucket, with the node that holds the lease, its epoch (raised at every change of owner, never lowered) and when it
 * expires, in milliseconds by the DATABASE's clock (so that the nodes' clocks may drift: every comparison with
 * "now" is made by the database, in the statement). Each operation runs in a short transaction of its own, on a
 * stateless session's connection.
 * <p>
 * Thread use: any thread (committing threads acquire, the lease keeper renews, the hand-over thread hands over). No
 * mutable state.
 */
final class LeaseTable {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( LeaseTable.class );
	/** The SQLState class of an integrity-constraint violation. */
	private static final String INTEGRITY_VIOLATION = "23";

	/** What an attempt to take a lease found: taken ({@code held}) at {@code epoch}, or held by {@code owner}. */
	record Outcome(boolean held, String owner, long epoch) {
	}

	/** A lease this node holds, to renew. */
	record Held(String entity, int bucket, long epoch) {
	}

	/** A lease this node holds at {@code epoch}, to hand over to the node {@code to}. */
	record HandOver(String entity, int bucket, long epoch, String to) {
	}

	private final SessionFactoryImplementor factory;
	private final String table;
	private final String logPrefix;
	private final String take;
	private final String select;
	private final String insert;
	private final String renew;
	private final String handOver;
	private final String reclaim;
	private final String markDirty;

	LeaseTable(SessionFactoryImplementor factory, String table, String logPrefix) {
		this.factory = factory;
		this.table = table;
		this.logPrefix = logPrefix;
		String now = now( factory.getJdbcServices().getDialect() );
		// the epoch first: MySQL and MariaDB evaluate the assignments left to right, on the updated values
		// the first owner parameter is this node; the second too, or '' (it may not extend its own unexpired lease).
		// A dirty row (dirty_ms > 0: its owner may hold journaled writes of the bucket that are not in the database)
		// stays the owner's for dirty_ms after it expired
		this.take = "update " + table + " set epoch = case when owner = ? then epoch else epoch + 1 end, expires_at = "
				+ now + " + ?, owner = ?, dirty_ms = ? where entity_name = ? and bucket = ? and (owner = ? or expires_at "
				+ "+ dirty_ms < " + now + ")";
		this.select = "select owner, epoch from " + table + " where entity_name = ? and bucket = ?";
		this.insert = "insert into " + table + " (entity_name, bucket, owner, epoch, expires_at, dirty_ms) values (?, ?, "
				+ "?, 1, " + now + " + ?, ?)";
		this.renew = "update " + table + " set expires_at = " + now + " + ? where entity_name = ? and bucket = ? "
				+ "and owner = ? and epoch = ?";
		// followed by "(bucket = ? and epoch = ?) or ..." and ")"
		this.handOver = "update " + table + " set epoch = epoch + 1, expires_at = " + now + " + ?, owner = ?, dirty_ms = 0 "
				+ "where entity_name = ? and owner = ? and (";
		this.reclaim = "update " + table + " set expires_at = " + now + " + ?, dirty_ms = ? where entity_name = ? and "
				+ "bucket = ? and owner = ?";
		this.markDirty = "update " + table + " set dirty_ms = ? where entity_name = ? and bucket = ? and owner = ? and "
				+ "epoch = ?";
	}

	/**
	 * The database's clock in milliseconds since 1970, as an SQL expression; the dialects of the databases the library
	 * is tested on (others fail the boot in lease mode, naming the dialect).
	 */
	static String now(Dialect dialect) {
		if ( dialect instanceof PostgreSQLDialect ) {
			return "cast(extract(epoch from clock_timestamp()) * 1000 as bigint)";
		}
		if ( dialect instanceof H2Dialect ) {
			return "datediff(millisecond, timestamp with time zone '1970-01-01 00:00:00+00', current_timestamp)";
		}
		if ( dialect instanceof MariaDBDialect || dialect instanceof MySQLDialect ) {
			return "cast(unix_timestamp(now(3)) * 1000 as signed)";
		}
		throw new WriteBehindConfigurationException( WriteBehindSettings.CLUSTER_VERSION_CHECK + "=lease judges leases by "
				+ "the database's clock, which this library reads on PostgreSQL, H2, MariaDB and MySQL only; the unit's "
				+ "dialect is " + dialect.getClass().getName() + ": use " + WriteBehindSettings.CLUSTER_VERSION_CHECK
				+ "=commit" );
	}

	/** The DDL of the lease table (also in docs/several-nodes.md). */
	static String ddl(String table) {
		return "create table " + table + " (entity_name varchar(255) not null, bucket integer not null, "
				+ "owner varchar(64) not null, epoch bigint not null, expires_at bigint not null, "
				+ "dirty_ms bigint default 0 not null, primary key (entity_name, bucket))";
	}

	/** The statement that adds the {@code dirty_ms} column to a lease table created before it existed. */
	static String addDirtyColumn(String table) {
		return "alter table " + table + " add dirty_ms bigint default 0 not null";
	}

	String name() {
		return table;
	}

	/** Creates the table when it is missing; fails with the DDL to run when that is not possible. */
	void ensureTable() {
		if ( LedgerTable.exists( factory, table ) ) {
			ensureDirtyColumn();
			return;
		}
		try {
			LedgerTable.inOwnTransaction( factory, connection -> {
				try ( Statement statement = connection.createStatement() ) {
					statement.execute( ddl( table ) );
				}
				return null;
			} );
			LOG.leaseTableCreated( logPrefix, table, WriteBehindSettings.CLUSTER_VERSION_CHECK );
		}
		catch (RuntimeException e) {
			if ( LedgerTable.exists( factory, table ) ) {
				return; // another node created it at the same moment
			}
			throw new WriteBehindConfigurationException( WriteBehindSettings.CLUSTER_VERSION_CHECK + "=lease needs the "
					+ "lease table '" + table + "' (" + WriteBehindSettings.CLUSTER_LEASE_TABLE + ") in the unit's "
					+ "database; it is missing and could not be created (" + Causes.rootMessage( e ) + "). Create it: "
					+ ddl( table ) + "; or set " + WriteBehindSettings.CLUSTER_VERSION_CHECK + "=commit", e );
		}
	}

	/**
	 * A lease table of an earlier version has no {@code dirty_ms} column (the journal's marker, see
	 * {@link #markDirty}): adds it, or fails with the statement to run.
	 */
	private void ensureDirtyColumn() {
		if ( hasDirtyColumn() ) {
			return;
		}
		try {
			LedgerTable.inOwnTransaction( factory, connection -> {
				try ( Statement statement = connection.createStatement() ) {
					statement.execute( addDirtyColumn( table ) );
				}
				return null;
			} );
		}
		catch (RuntimeException e) {
			if ( hasDirtyColumn() ) {
				return; // another node added it at the same moment
			}
			throw new WriteBehindConfigurationException( WriteBehindSettings.CLUSTER_VERSION_CHECK + "=lease needs the "
					+ "column dirty_ms in the lease table '" + table + "' (" + WriteBehindSettings.CLUSTER_LEASE_TABLE
					+ "), which could not be added (" + Causes.rootMessage( e ) + "). Add it: " + addDirtyColumn( table ),
					e );
		}
	}

	private boolean hasDirtyColumn() {
		try {
			return LedgerTable.inOwnTransaction( factory, connection -> {
				try ( Statement statement = connection.createStatement() ) {
					statement.executeQuery( "select dirty_ms from " + table + " where 1 = 0" ).close();
				}
				return true;
			} );
		}
		catch (RuntimeException e) {
			return false;
		}
	}

	/**
	 * Takes the lease of a bucket for {@code node} for {@code ttlMillis} by the database's clock, when it is free,
	 * expired (and clean, or dirty for longer than its {@code dirty_ms}) or already {@code node}'s (the epoch then stays,
	 * else it goes up by one; with {@code extendOwn} false, a lease of {@code node}'s that has not expired is not taken
	 * again); otherwise reports its holder. {@code dirtyMillis} is what the row's {@code dirty_ms} becomes: 0 for a node
	 * without a journal, else how long after its expiry the lease still blocks the others.
	 */
	Outcome take(String entity, int bucket, String node, long ttlMillis, boolean extendOwn, long dirtyMillis) {
		return updateElseInsert( take, statement -> {
			statement.setString( 1, node );
			statement.setLong( 2, ttlMillis );
			statement.setString( 3, node );
			statement.setLong( 4, dirtyMillis );
			statement.setString( 5, entity );
			statement.setInt( 6, bucket );
			statement.setString( 7, extendOwn ? node : "" );
		}, entity, bucket, node, ttlMillis, dirtyMillis );
	}

	/**
	 * A restarted node with a journal takes back a lease its previous run held ({@code node} is the identity kept in
	 * its journal directory): only while the row's owner is still {@code node} (expired or not; its epoch stays), or
	 * when there is no row yet; the row is then dirty ({@code dirtyMillis}). Otherwise reports the row's owner.
	 */
	Outcome reclaim(String entity, int bucket, String node, long ttlMillis, long dirtyMillis) {
		return updateElseInsert( reclaim, statement -> {
			statement.setLong( 1, ttlMillis );
			statement.setLong( 2, dirtyMillis );
			statement.setString( 3, entity );
			statement.setInt( 4, bucket );
			statement.setString( 5, node );
		}, entity, bucket, node, ttlMillis, dirtyMillis );
	}

	/** Binds the parameters of {@link #take} or {@link #reclaim}'s update. */
	@FunctionalInterface
	private interface Binder {
		void bind(PreparedStatement statement) throws SQLException;
	}

	/**
	 * In a transaction of its own: the update ({@code sql}, bound by {@code binder}) that takes the bucket's row for
	 * {@code node}; when no row was updated, the row as it is; when there is no row yet, the first node to insert it
	 * holds the lease at epoch 1 (a node that lost that race reads the winner's row on the second attempt).
	 */
	private Outcome updateElseInsert(String sql, Binder binder, String entity, int bucket, String node, long ttlMillis,
			long dirtyMillis) {
		return LedgerTable.inOwnTransaction( factory, connection -> {
			for ( int attempt = 0; ; attempt++ ) {
				int updated;
				try ( PreparedStatement statement = connection.prepareStatement( sql ) ) {
					binder.bind( statement );
					updated = statement.executeUpdate();
				}
				Outcome found = read( connection, entity, bucket );
				if ( updated > 0 ) {
					return new Outcome( true, node, found.epoch() );
				}
				if ( found != null || attempt > 0 ) {
					return found == null ? new Outcome( false, "?", 0 ) : found;
				}
				if ( inserted( connection, entity, bucket, node, ttlMillis, dirtyMillis ) ) {
					return new Outcome( true, node, 1 );
				}
			}
		} );
	}

	/**
	 * Sets the {@code dirty_ms} of leases {@code node} holds at the given epochs: {@code dirtyMillis} before the first
	 * commit into a clean bucket, 0 once the bucket has no unwritten write; per lease, whether it was still this node's.
	 */
	boolean[] markDirty(List<Held> leases, String node, long dirtyMillis) {
		return LedgerTable.inOwnTransaction( factory, connection -> {
			boolean[] done = new boolean[leases.size()];
			try ( PreparedStatement statement = connection.prepareStatement( markDirty ) ) {
				for ( int i = 0; i < leases.size(); i++ ) {
					Held lease = leases.get( i );
					statement.setLong( 1, dirtyMillis );
					statement.setString( 2, lease.entity() );
					statement.setInt( 3, lease.bucket() );
					statement.setString( 4, node );
					statement.setLong( 5, lease.epoch() );
					done[i] = statement.executeUpdate() > 0;
				}
			}
			return done;
		} );
	}

	/**
	 * A restarted node: ends the leases its previous run held ({@code node}), but those of {@code keep} (entity name
	 * and bucket, the buckets of its replayed writes); returns how many it ended.
	 */
	int releaseAllBut(String node, java.util.Set<String> keep) {
		return LedgerTable.inOwnTransaction( factory, connection -> {
			List<Held> stale = new java.util.ArrayList<>();
			try ( PreparedStatement statement = connection.prepareStatement( "select entity_name, bucket, epoch from "
					+ table + " where owner = ?" ) ) {
				statement.setString( 1, node );
				try ( ResultSet rows = statement.executeQuery() ) {
					while ( rows.next() ) {
						Held held = new Held( rows.getString( 1 ), rows.getInt( 2 ), rows.getLong( 3 ) );
						if ( !keep.contains( held.entity() + "#" + held.bucket() ) ) {
							stale.add( held );
						}
					}
				}
			}
			int ended = 0;
			try ( PreparedStatement statement = connection.prepareStatement( "update " + table + " set expires_at = 0, "
					+ "dirty_ms = 0 where entity_name = ? and bucket = ? and owner = ? and epoch = ?" ) ) {
				for ( Held held : stale ) {
					statement.setString( 1, held.entity() );
					statement.setInt( 2, held.bucket() );
					statement.setString( 3, node );
					statement.setLong( 4, held.epoch() );
					ended += statement.executeUpdate();
				}
			}
			return ended;
		} );
	}

	/** The row's owner and epoch ({@code held} false), or {@code null} when there is no row. */
	private Outcome read(Connection connection, String entity, int bucket) throws SQLException {
		try ( PreparedStatement statement = connection.prepareStatement( select ) ) {
			statement.setString( 1, entity );
			statement.setInt( 2, bucket );
			try ( ResultSet rows = statement.executeQuery() ) {
				return rows.next() ? new Outcome( false, rows.getString( 1 ), rows.getLong( 2 ) ) : null;
			}
		}
	}

	private boolean inserted(Connection connection, String entity, int bucket, String node, long ttlMillis,
			long dirtyMillis) throws SQLException {
		// a savepoint: on PostgreSQL a failed statement aborts the transaction
		java.sql.Savepoint savepoint = connection.setSavepoint();
		try ( PreparedStatement statement = connection.prepareStatement( insert ) ) {
			statement.setString( 1, entity );
			statement.setInt( 2, bucket );
			statement.setString( 3, node );
			statement.setLong( 4, ttlMillis );
			statement.setLong( 5, dirtyMillis );
			statement.executeUpdate();
			return true;
		}
		catch (SQLException e) {
			if ( !INTEGRITY_VIOLATION.equals( Causes.sqlStateClass( e ) ) ) {
				throw e;
			}
			connection.rollback( savepoint );
			return false; // another node inserted it at the same moment
		}
	}

	/**
	 * Renews the leases for {@code ttlMillis} by the database's clock, each only while it is still this node's at its
	 * epoch; returns, per lease, whether it was renewed. Each lease in a transaction of its own: a transaction renewing
	 * several would hold the rows it renewed while it waits for the next one, which a flush of this node may have
	 * locked (its fence), and a hand-over or another node's take of those rows would wait for that flush too; and a
	 * flush's fence locking the rows in another order would deadlock with it (the database then aborts one of them,
	 * after a second on PostgreSQL).
	 */
	boolean[] renew(List<Held> leases, String node, long ttlMillis) {
		boolean[] renewed = new boolean[leases.size()];
		for ( int i = 0; i < leases.size(); i++ ) {
			Held lease = leases.get( i );
			renewed[i] = LedgerTable.inOwnTransaction( factory, connection -> {
				try ( PreparedStatement statement = connection.prepareStatement( renew ) ) {
					statement.setLong( 1, ttlMillis );
					statement.setString( 2, lease.entity() );
					statement.setInt( 3, lease.bucket() );
					statement.setString( 4, node );
					statement.setLong( 5, lease.epoch() );
					return statement.executeUpdate() > 0;
				}
			} );
		}
		return renewed;
	}

	/**
	 * Fencing, inside a flush transaction on its connection: locks the lease rows of these buckets of one entity that
	 * {@code node} holds at the given epochs ({@code buckets[i]} at {@code epochs[i]}), until that transaction ends (a
	 * node taking one of them waits for it); returns how many it found (fewer than asked: a lease was lost).
	 */
	int fence(Connection connection, String entity, String node, int[] buckets, long[] epochs) throws SQLException {
		StringBuilder sql = new StringBuilder( "update " ).append( table )
				.append( " set epoch = epoch where entity_name = ? and owner = ? and (" );
		for ( int i = 0; i < buckets.length; i++ ) {
			sql.append( i == 0 ? "" : " or " ).append( "(bucket = ? and epoch = ?)" );
		}
		sql.append( ')' );
		try ( PreparedStatement statement = connection.prepareStatement( sql.toString() ) ) {
			statement.setString( 1, entity );
			statement.setString( 2, node );
			for ( int i = 0; i < buckets.length; i++ ) {
				statement.setInt( 3 + 2 * i, buckets[i] );
				statement.setLong( 4 + 2 * i, epochs[i] );
			}
			return statement.executeUpdate();
		}
	}

	/**
	 * Ends every clean lease {@code node} holds (it is closing): the other nodes may take them at once. A dirty one
	 * (journaled writes of it are not in the database: the node's next start replays them) stays until it expired for
	 * its {@code dirty_ms}.
	 */
	int releaseAll(String node) {
		return LedgerTable.inOwnTransaction( factory, connection -> {
			try ( PreparedStatement statement = connection.prepareStatement( "update " + table
					+ " set expires_at = 0 where owner = ? and dirty_ms = 0" ) ) {
				statement.setString( 1, node );
				return statement.executeUpdate();
			}
		} );
	}

	/**
	 * Hands leases this node holds over, each to its requester at the next epoch, for {@code ttlMillis}, in one
	 * transaction: one statement per entity and requester. Returns how many were still this node's at their epoch
	 * (and are now the requesters').
	 */
	int handOver(List<HandOver> leases, String node, long ttlMillis) {
		Map<List<String>, List<HandOver>> groups = new LinkedHashMap<>();
		for ( HandOver lease : leases ) {
			groups.computeIfAbsent( List.of( lease.entity(), lease.to() ), k -> new ArrayList<>() ).add( lease );
		}
		return LedgerTable.inOwnTransaction( factory, connection -> {
			int updated = 0;
			for ( List<HandOver> group : groups.values() ) {
				StringBuilder sql = new StringBuilder( handOver );
				for ( int i = 0; i < group.size(); i++ ) {
					sql.append( i == 0 ? "" : " or " ).append( "(bucket = ? and epoch = ?)" );
				}
				sql.append( ')' );
				try ( PreparedStatement statement = connection.prepareStatement( sql.toString() ) ) {
					statement.setLong( 1, ttlMillis );
					statement.setString( 2, group.get( 0 ).to() );
					statement.setString( 3, group.get( 0 ).entity() );
					statement.setString( 4, node );
					for ( int i = 0; i < group.size(); i++ ) {
						statement.setInt( 5 + 2 * i, group.get( i ).bucket() );
						statement.setLong( 6 + 2 * i, group.get( i ).epoch() );
					}
					updated += statement.executeUpdate();
				}
			}
			return updated;
		} );
	}
}
