package io.writebehind;

/**
 * The configuration keys of hibernate-write-behind, all under {@value #PREFIX}. Set them like any other Hibernate
 * setting: in {@code persistence.xml}, in the properties map given to {@code Persistence.createEntityManagerFactory},
 * or in {@code hibernate.properties}. Every value is validated when the {@code EntityManagerFactory} starts; a bad
 * value fails the start with a message that names the key and the value.
 */
public final class WriteBehindSettings {

	/** The prefix of every write-behind setting. */
	public static final String PREFIX = "hibernate.writebehind.";

	/** Turns write-behind off for a persistence unit without removing the annotations. Default: {@value #DEFAULT_ENABLED}. */
	public static final String ENABLED = PREFIX + "enabled";
	public static final boolean DEFAULT_ENABLED = true;

	/**
	 * Longest time, in milliseconds, a committed write waits before the flusher writes it. {@code 0} means "as soon
	 * as possible". Default: {@value #DEFAULT_MAX_DELAY_MS}. Per entity: {@link WriteBehindEntity#maxDelayMs()}.
	 */
	public static final String MAX_DELAY_MS = PREFIX + "max_delay_ms";
	public static final long DEFAULT_MAX_DELAY_MS = 1_000;

	/**
	 * Pending writes that start a flush before {@link #MAX_DELAY_MS} has passed: while at least this many entity ids
	 * have a pending write, the flusher writes them, oldest first, transaction after transaction, without waiting for
	 * their delay; below it, a write waits for its delay (so that further updates of its id coalesce into it). Each
	 * flusher thread counts the ids of its own share of the queue and starts at its share of the threshold
	 * ({@code flush_threshold / flusher_threads}, rounded up). At most {@link #QUEUE_CAPACITY}. Default:
	 * {@value #DEFAULT_FLUSH_THRESHOLD}, or half of {@code queue_capacity} when that is smaller.
	 */
	public static final String FLUSH_THRESHOLD = PREFIX + "flush_threshold";
	public static final int DEFAULT_FLUSH_THRESHOLD = 10_000;

	/**
	 * Most writes the flusher applies in one database transaction (a larger backlog is written in several, one after
	 * the other). Default: {@value #DEFAULT_FLUSH_TRANSACTION_SIZE}.
	 */
	public static final String FLUSH_TRANSACTION_SIZE = PREFIX + "flush_transaction_size";
	public static final int DEFAULT_FLUSH_TRANSACTION_SIZE = 5_000;

	/**
	 * Statements the flusher sends in one JDBC batch ({@code 1}: no batching). At most {@link #FLUSH_TRANSACTION_SIZE}.
	 * Default: {@code hibernate.jdbc.batch_size} when that is set ({@code 0} counts as {@code 1}), else
	 * {@value #DEFAULT_JDBC_BATCH_SIZE}; a default above {@code flush_transaction_size} is lowered to it.
	 */
	public static final String JDBC_BATCH_SIZE = PREFIX + "jdbc_batch_size";
	public static final int DEFAULT_JDBC_BATCH_SIZE = 500;

	/**
	 * Deprecated: the one setting that used to be the size trigger, the flush transaction's size and (without
	 * {@code hibernate.jdbc.batch_size}) the JDBC batch size at once. It still works as an alias: it sets
	 * {@link #FLUSH_THRESHOLD} (lowered to {@code queue_capacity} when above it) and {@link #FLUSH_TRANSACTION_SIZE},
	 * and, unless {@link #JDBC_BATCH_SIZE} or {@code hibernate.jdbc.batch_size} is set, the JDBC batch size; the boot
	 * logs a warning (WB000031). Set together with one of the first two and a different value, it fails the boot.
	 *
	 * @deprecated use {@link #FLUSH_THRESHOLD}, {@link #FLUSH_TRANSACTION_SIZE} and {@link #JDBC_BATCH_SIZE}; their
	 * defaults let the updates of a hot set of ids coalesce.
	 */
	@Deprecated
	public static final String BATCH_SIZE = PREFIX + "batch_size";

	/**
	 * Most entity ids that may have a pending write at once (updates to an id that is already pending take no new room).
	 * A commit that would exceed it waits up to {@link #QUEUE_FULL_TIMEOUT_MS} and then fails with
	 * {@link WriteBehindQueueFullException}. Default: {@value #DEFAULT_QUEUE_CAPACITY}.
	 */
	public static final String QUEUE_CAPACITY = PREFIX + "queue_capacity";
	public static final int DEFAULT_QUEUE_CAPACITY = 100_000;

	/** How long, in milliseconds, a commit waits for room in a full queue. Default: {@value #DEFAULT_QUEUE_FULL_TIMEOUT_MS}. */
	public static final String QUEUE_FULL_TIMEOUT_MS = PREFIX + "queue_full_timeout_ms";
	public static final long DEFAULT_QUEUE_FULL_TIMEOUT_MS = 5_000;

	/**
	 * Most clean (already written) entities the read cache keeps; entities with a pending write are always kept and do
	 * not count. Default: {@value #DEFAULT_CACHE_MAXIMUM_SIZE}.
	 */
	public static final String CACHE_MAXIMUM_SIZE = PREFIX + "cache.maximum_size";
	public static final long DEFAULT_CACHE_MAXIMUM_SIZE = 100_000;

	/**
	 * Number of flusher threads, each with a connection of its own while it writes; writes of one id are always applied
	 * by one thread, in commit order. Default: {@value #DEFAULT_FLUSHER_THREADS} (two transactions in flight drain a
	 * backlog on a server database about 1.5x as fast as one: see docs/performance.md).
	 */
	public static final String FLUSHER_THREADS = PREFIX + "flusher_threads";
	public static final int DEFAULT_FLUSHER_THREADS = 2;

	/** Whether a JVM shutdown hook flushes pending writes on normal JVM exit. Default: {@value #DEFAULT_FLUSH_ON_SHUTDOWN}. */
	public static final String FLUSH_ON_SHUTDOWN = PREFIX + "flush_on_shutdown";
	public static final boolean DEFAULT_FLUSH_ON_SHUTDOWN = true;

	/**
	 * Longest time, in milliseconds, closing the {@code EntityManagerFactory} or the shutdown hook waits for pending
	 * writes to reach the database; what is left is logged by entity. Default: {@value #DEFAULT_SHUTDOWN_TIMEOUT_MS}.
	 */
	public static final String SHUTDOWN_TIMEOUT_MS = PREFIX + "shutdown_timeout_ms";
	public static final long DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

	/**
	 * Longest time, in milliseconds, an application thread waits for pending writes to reach the database before a
	 * read that needs them there: a query or bulk statement on their tables, a reference from a normal entity to a
	 * pending insert, a load that resolves the inverse side of a one-to-one, {@code refresh}, a load with a database
	 * lock, and a collection load whose elements are opted in. When it runs out the read fails with a
	 * {@code QueryTimeoutException} naming this setting; nothing is lost (the writes stay queued). Default:
	 * {@value #DEFAULT_READ_FLUSH_TIMEOUT_MS}.
	 */
	public static final String READ_FLUSH_TIMEOUT_MS = PREFIX + "read_flush_timeout_ms";
	public static final long DEFAULT_READ_FLUSH_TIMEOUT_MS = 30_000;

	/** First wait, in milliseconds, before the flusher retries after a transient database error. Default: {@value #DEFAULT_RETRY_INITIAL_BACKOFF_MS}. */
	public static final String RETRY_INITIAL_BACKOFF_MS = PREFIX + "retry.initial_backoff_ms";
	public static final long DEFAULT_RETRY_INITIAL_BACKOFF_MS = 100;

	/** Longest wait, in milliseconds, between two retries after transient database errors. Default: {@value #DEFAULT_RETRY_MAX_BACKOFF_MS}. */
	public static final String RETRY_MAX_BACKOFF_MS = PREFIX + "retry.max_backoff_ms";
	public static final long DEFAULT_RETRY_MAX_BACKOFF_MS = 30_000;

	/** Most permanently failed writes and conflicts kept for {@link WriteBehind#failedWrites()}. Default: {@value #DEFAULT_DEAD_LETTER_CAPACITY}. */
	public static final String DEAD_LETTER_CAPACITY = PREFIX + "dead_letter_capacity";
	public static final int DEFAULT_DEAD_LETTER_CAPACITY = 10_000;

	/**
	 * The conflict policy of entities whose annotation does not set one: {@code FAIL}, {@code DATABASE_WINS},
	 * {@code LAST_WRITE_WINS} (see {@link ConflictPolicy}), or the class name of a {@link ConflictResolver}.
	 * Default: {@code FAIL}.
	 */
	public static final String CONFLICT_POLICY = PREFIX + "conflict_policy";
	public static final ConflictPolicy DEFAULT_CONFLICT_POLICY = ConflictPolicy.FAIL;

	/**
	 * The {@link WriteFailureHandler}: a class name (public no-argument constructor), a {@code Class}, or an instance.
	 * Default: log at ERROR and keep the write in {@link WriteBehind#failedWrites()}.
	 */
	public static final String FAILURE_HANDLER = PREFIX + "failure_handler";

	/**
	 * {@link WriteBehindListener}s told of batches flushed, conflicts, failures and retries: comma-separated class
	 * names (public no-argument constructor), or a {@code Class}, an instance, or a collection of those. More can be
	 * added with {@link WriteBehind#addListener(WriteBehindListener)}. Default: none.
	 */
	public static final String LISTENERS = PREFIX + "listeners";

	/**
	 * Whether each persistence unit registers an MBean ({@code io.writebehind:type=WriteBehind,unit="<unit>"}) with
	 * the platform MBean server, with the figures of {@link WriteBehindStats} and the operations flush, retryFailed,
	 * discardFailed, pause and resume. Default: {@value #DEFAULT_JMX_ENABLED}.
	 */
	public static final String JMX_ENABLED = PREFIX + "jmx.enabled";
	public static final boolean DEFAULT_JMX_ENABLED = true;

	/**
	 * What queries see of pending writes: {@code FLUSH} (flush the pending writes of the queried entities first) or
	 * {@code EVENTUAL} (read the database as it is); see {@link QueryConsistency}. Default: {@code FLUSH}.
	 */
	public static final String QUERY_CONSISTENCY = PREFIX + "query_consistency";
	public static final QueryConsistency DEFAULT_QUERY_CONSISTENCY = QueryConsistency.FLUSH;

	/**
	 * Turns the crash-durability journal on: a directory (created if missing) where every committed write is appended
	 * before the commit returns, replayed at start-up and deleted once written to the database. See
	 * {@code docs/journal.md}. Default: none (off; a process crash loses the pending writes).
	 */
	public static final String JOURNAL_DIR = PREFIX + "journal.dir";

	/**
	 * When the journal is forced to disk: {@code ALWAYS} (the commit returns after its record is on disk; concurrent
	 * commits share one fsync), {@code INTERVAL} (every {@link #JOURNAL_FSYNC_INTERVAL_MS}) or {@code NEVER} (left to
	 * the operating system). All three survive a process crash; they differ on a power cut. Default: {@value #DEFAULT_JOURNAL_FSYNC}.
	 */
	public static final String JOURNAL_FSYNC = PREFIX + "journal.fsync";
	public static final String DEFAULT_JOURNAL_FSYNC = "ALWAYS";

	/** With {@code journal.fsync=INTERVAL}: milliseconds between two forces. Default: {@value #DEFAULT_JOURNAL_FSYNC_INTERVAL_MS}. */
	public static final String JOURNAL_FSYNC_INTERVAL_MS = PREFIX + "journal.fsync_interval_ms";
	public static final long DEFAULT_JOURNAL_FSYNC_INTERVAL_MS = 100;

	/** Size, in bytes, at which the journal starts a new segment file. Default: {@value #DEFAULT_JOURNAL_SEGMENT_BYTES} (64 MiB). */
	public static final String JOURNAL_SEGMENT_BYTES = PREFIX + "journal.segment_bytes";
	public static final long DEFAULT_JOURNAL_SEGMENT_BYTES = 64L * 1024 * 1024;

	/**
	 * Milliseconds between two checkpoints, which delete the journal segments whose writes all reached the database.
	 * Default: {@value #DEFAULT_JOURNAL_CHECKPOINT_INTERVAL_MS}.
	 */
	public static final String JOURNAL_CHECKPOINT_INTERVAL_MS = PREFIX + "journal.checkpoint_interval_ms";
	public static final long DEFAULT_JOURNAL_CHECKPOINT_INTERVAL_MS = 1_000;

	/**
	 * How the application nodes that run this persistence unit on one database tell each other of their commits, so
	 * that no node keeps serving an entity another node changed: {@code none} (a single node), {@code postgresql}
	 * ({@code LISTEN/NOTIFY}, needs the PostgreSQL JDBC driver), {@code redis} (pub/sub, needs
	 * {@code io.lettuce:lettuce-core} 6), or the name of another {@code io.writebehind.cluster.CoherenceChannelProvider}
	 * on the class path (its own settings go under {@code hibernate.writebehind.cluster.<name>.}). See
	 * {@code docs/several-nodes.md}. Default: {@value #DEFAULT_CLUSTER_CHANNEL}.
	 */
	public static final String CLUSTER_CHANNEL = PREFIX + "cluster.channel";
	public static final String DEFAULT_CLUSTER_CHANNEL = "none";

	/** The Redis server of {@code cluster.channel=redis} ({@code redis://} or {@code rediss://}). Default: {@value #DEFAULT_CLUSTER_REDIS_URI}. */
	public static final String CLUSTER_REDIS_URI = PREFIX + "cluster.redis_uri";
	public static final String DEFAULT_CLUSTER_REDIS_URI = "redis://127.0.0.1:6379";

	/**
	 * The PostgreSQL JDBC URL of {@code cluster.channel=postgresql} (a dedicated connection listens there). Default: the
	 * unit's own {@code hibernate.connection.url} or {@code jakarta.persistence.jdbc.url}, with its user and password;
	 * required when the unit has none (a {@code DataSource}); user and password may then be given in the URL.
	 */
	public static final String CLUSTER_POSTGRESQL_URL = PREFIX + "cluster.postgresql_url";

	/**
	 * The channel's name (a PostgreSQL {@code LISTEN} channel, a Redis pub/sub channel): every node of one unit must use
	 * the same, and units that share nothing should not. Letters, digits and {@code _ . -}, at most 63 characters.
	 * Default: {@code writebehind_} and the persistence unit's name.
	 */
	public static final String CLUSTER_CHANNEL_NAME = PREFIX + "cluster.channel_name";

	/**
	 * Where the nodes of a cluster check a commit's versions: {@code commit} (each versioned write claims its new
	 * version in the version ledger table, {@link #CLUSTER_LEDGER_TABLE}, inside the application's own transaction, so
	 * that a write based on a version another node has already replaced fails at that commit with
	 * {@code OptimisticLockException}, even before the other node's write reached the entity's table; one short UPDATE
	 * per written entity) or {@code flush} (no check at commit beyond the invalidation messages: two nodes that commit
	 * within the invalidation delay both hold a write, and the database's version check at flush refuses one, which the
	 * conflict policy then resolves) or {@code lease} (a node commits an id only while it holds the lease of the id's
	 * bucket, {@link #CLUSTER_LEASE_TABLE}: a commit on a bucket the node holds makes no database round trip; another
	 * node's commit on it first asks for a hand-over, for up to {@link #CLUSTER_LEASE_WAIT_MS}). Only read with a
	 * {@link #CLUSTER_CHANNEL} other than {@code none}. Default: {@value #DEFAULT_CLUSTER_VERSION_CHECK}.
	 */
	public static final String CLUSTER_VERSION_CHECK = PREFIX + "cluster.version_check";
	public static final String DEFAULT_CLUSTER_VERSION_CHECK = "commit";

	/**
	 * The table of {@code cluster.version_check=commit}, in the unit's database (created at boot when missing;
	 * {@code docs/several-nodes.md} gives its DDL): one row per entity id written within the last
	 * {@link #CLUSTER_CLAIM_TTL_MS}, the latest version a
	 * node committed. A name, optionally qualified by a schema. Default: {@value #DEFAULT_CLUSTER_LEDGER_TABLE}.
	 */
	public static final String CLUSTER_LEDGER_TABLE = PREFIX + "cluster.ledger_table";
	public static final String DEFAULT_CLUSTER_LEDGER_TABLE = "writebehind_version_ledger";

	/**
	 * How long a claim in the version ledger of a write that is not in the database yet holds, and how long the other
	 * nodes remember a version they were told of, in milliseconds ({@code cluster.version_check=commit}). Until then
	 * other nodes' commits of that id based on an older version fail with {@code OptimisticLockException}; a claim
	 * whose write reached the database blocks nothing. A node that crashes with such a write pending blocks that id for
	 * as long; with a journal it replays the write when it restarts, and a restart that takes longer than this lifetime
	 * lets another node's commit through, so the replayed write then fails as a {@code CONFLICT} (reported, not lost
	 * silently). With {@code cluster.version_check=lease} and a journal: how long after its lease expired a bucket a
	 * node left dirty (it held journaled writes of it not yet in the database) stays blocked for the other nodes, so
	 * that the node's restart takes it back. Set it alike on every node. Never shorter than
	 * {@code 2 * max_delay_ms + 10 s}, at most a day.
	 * Default: {@value #DEFAULT_CLUSTER_CLAIM_TTL_MS_JOURNALED} (10 minutes) when {@link #JOURNAL_DIR} is set, else
	 * {@code 2 * max_delay_ms + 10 s} (at most an hour).
	 */
	public static final String CLUSTER_CLAIM_TTL_MS = PREFIX + "cluster.claim_ttl_ms";
	public static final long DEFAULT_CLUSTER_CLAIM_TTL_MS_JOURNALED = 600_000;

	/**
	 * The table of {@code cluster.version_check=lease}, in the unit's database (created at boot when missing;
	 * {@code docs/several-nodes.md} gives its DDL): one row per entity and lease bucket, with its owner node, its epoch
	 * (raised at every change of owner) and its expiry by the database's clock. A name, optionally qualified by a
	 * schema. Default: {@value #DEFAULT_CLUSTER_LEASE_TABLE}.
	 */
	public static final String CLUSTER_LEASE_TABLE = PREFIX + "cluster.lease_table";
	public static final String DEFAULT_CLUSTER_LEASE_TABLE = "writebehind_lease";

	/**
	 * {@code cluster.version_check=lease}: into how many buckets the ids of each root entity are hashed; a node holds
	 * the lease of a bucket, not of an id. More buckets: fewer hand-overs between nodes writing different ids, more
	 * leases to take and renew. 1 to 65536; the same on every node. Default: {@value #DEFAULT_CLUSTER_LEASE_BUCKETS}.
	 */
	public static final String CLUSTER_LEASE_BUCKETS = PREFIX + "cluster.lease_buckets";
	public static final int DEFAULT_CLUSTER_LEASE_BUCKETS = 64;

	/**
	 * {@code cluster.version_check=lease}: how long a lease lasts, in milliseconds, by the database's clock; a node
	 * renews the leases it used lately at half that, and counts a lease as its own (by its own monotonic clock) only
	 * until this long, less a tenth, after it asked. A node that stops renewing (killed, cut off from the database)
	 * blocks its buckets for the other nodes for at most this long. 100 to 600000; the same on every node. Default:
	 * {@value #DEFAULT_CLUSTER_LEASE_TTL_MS}.
	 */
	public static final String CLUSTER_LEASE_TTL_MS = PREFIX + "cluster.lease_ttl_ms";
	public static final long DEFAULT_CLUSTER_LEASE_TTL_MS = 5_000;

	/**
	 * {@code cluster.version_check=lease}: how long a commit on a bucket another node holds waits for that node to hand
	 * it over (or for its lease to expire), in milliseconds; then the commit fails with {@code OptimisticLockException}
	 * (in a {@code RollbackException}) naming the entity, the id and the holder. 0 to 600000. Default:
	 * {@value #DEFAULT_CLUSTER_LEASE_WAIT_MS}.
	 */
	public static final String CLUSTER_LEASE_WAIT_MS = PREFIX + "cluster.lease_wait_ms";
	public static final long DEFAULT_CLUSTER_LEASE_WAIT_MS = 2_000;

	/**
	 * {@code cluster.version_check=lease}: how long a node keeps a bucket it took from another node before it hands it
	 * over again on request, in milliseconds (its commits on the bucket meanwhile cost no round trip; the requests that
	 * arrive meanwhile are served together, with one flush and one statement). Larger values let a node commit more on
	 * a hot bucket per hand-over and make the other nodes' commits on it wait longer. 0 to 10000, less than
	 * {@link #CLUSTER_LEASE_WAIT_MS}. Default: {@value #DEFAULT_CLUSTER_LEASE_MIN_HOLD_MS}.
	 */
	public static final String CLUSTER_LEASE_MIN_HOLD_MS = PREFIX + "cluster.lease_min_hold_ms";
	public static final long DEFAULT_CLUSTER_LEASE_MIN_HOLD_MS = 10;

	/**
	 * A shared secret of the nodes of one unit: with it, every coherence message carries an HMAC-SHA256 of its content,
	 * and messages without one, or with one that does not check out, are ignored (counted as
	 * {@code ClusterStats.malformedMessages}). At least 16 characters; the same on every node. Never logged. Default:
	 * none (messages are not signed, and anyone who can publish on the channel can make nodes evict or flush early).
	 */
	public static final String CLUSTER_SECRET = PREFIX + "cluster.secret";

	/**
	 * For rotating {@link #CLUSTER_SECRET} without stopping every node: a second secret whose signatures are accepted
	 * too (messages are signed with {@code cluster.secret} only). See {@code docs/security.md}. Default: none.
	 */
	public static final String CLUSTER_PREVIOUS_SECRET = PREFIX + "cluster.previous_secret";

	/**
	 * For {@code rediss://}: a PEM file of the certificates (certificate authorities, or the server's own) that the Redis
	 * server's certificate must chain to. Default: none, the JVM's trust store ({@code javax.net.ssl.trustStore}, else
	 * the JDK's {@code cacerts}). The server's certificate is always verified, with its host name, unless the URI says
	 * otherwise ({@code ?verifyPeer=CA} or {@code NONE}).
	 */
	public static final String CLUSTER_REDIS_TRUSTED_CERTIFICATES = PREFIX + "cluster.redis_trusted_certificates";

	private WriteBehindSettings() {
	}
}
