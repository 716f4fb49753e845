package io.writebehind.cluster.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.hibernate.StaleObjectStateException;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.engine.spi.TransactionCompletionCallbacks.AfterCompletionCallback;
import org.hibernate.persister.entity.EntityPersister;

import io.writebehind.WriteBehindSettings;
import io.writebehind.cluster.internal.Announcement.LeaseGranted;
import io.writebehind.cluster.internal.Announcement.LeaseRequest;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.common.CurrentVersions;
import io.writebehind.internal.common.HibernateFailures;
import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.config.ClusterConfig;
import io.writebehind.internal.queue.CommitWrite;
import io.writebehind.internal.flush.FlushFence;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.FlushItem;

/**
 * This node's leases ({@code cluster.version_check=lease}): the ids of each versioned root entity with a basic id hash
 * into {@code cluster.lease_buckets} buckets, and a node commits a write only while it holds the lease of its bucket
 * ({@link LeaseTable}; see docs/several-nodes.md, "Leases").
 * <ul>
 * <li>A committing thread {@link #beforeCompletion checks} that the node holds each bucket its writes fall in: held and
 * locally valid (its monotonic clock) costs nothing; else it takes the lease (one round trip), or, when another node
 * holds it, asks that node to hand it over and waits up to {@code cluster.lease_wait_ms}. The commit counts as "in
 * flight" on its buckets until the transaction completed (its writes are then published).</li>
 * <li>The keeper thread renews the leases used lately, before their local validity runs out; with a journal it also
 * clears the dirty mark of buckets with nothing pending (see {@link #clearClean}).</li>
 * <li>With a journal, a row is dirty while this node may hold journaled writes of its bucket that are not in the
 * database: no other node takes it by expiry for {@code cluster.claim_ttl_ms}, and a restart takes it back
 * ({@link #recover}).</li>
 * <li>The hand-over thread serves another node's request: it stops the node's commits on the bucket, waits for the
 * commits in flight, flushes the bucket's pending writes, then gives the lease to the requester in the table and tells
 * it on the channel.</li>
 * </ul>
 * A node that takes a bucket from another owner (the epoch moved on since it last held it) evicts the entity's clean
 * entries first, and a commit checks its writes' versions against the node's committed state once its buckets are
 * held (against the database for an id the node no longer knows), so a read older than the hand-over cannot commit.
 */
final class Leases {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( Leases.class );
	/** How often a waiting commit asks the database again (the hand-over notice may be lost). */
	private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos( 50 );
	/** How often a waiting commit sends its hand-over request again (a request may be lost). */
	private static final long RESEND_NANOS = TimeUnit.MILLISECONDS.toNanos( 250 );
	private static final Comparator<Bucket> ORDER = Comparator.comparing( (Bucket b) -> b.entity.name() )
			.thenComparingInt( b -> b.index );

	/** One (entity, bucket): this node's view of its lease. */
	static final class Bucket {
		final CoherentEntity entity;
		final int index;
		/** Commits that passed the lease check and have not completed yet. */
		final AtomicInteger inFlight = new AtomicInteger();
		/** Written under the monitor, read lock-free by committing threads. */
		volatile boolean held;
		volatile boolean handingOver;
		/** Until when ({@link System#nanoTime()}) the lease counts as this node's. */
		volatile long validUntil;
		/** The epoch this node held it at last (-1: never). */
		volatile long epoch = -1;
		/** When a commit last used it. */
		volatile long lastUsed;
		/**
		 * Journaled nodes: whether the row is dirty in the table (this node may hold journaled writes of the bucket that
		 * are not in the database, so no other node may take it by expiry for {@code cluster.claim_ttl_ms}). Set to
		 * true (under the monitor) once the table says so; set to false by the keeper (under the monitor) before it
		 * re-checks the commits in flight and the pending writes, then clears the row (still under the monitor).
		 */
		volatile boolean dirtyInTable;
		/** When this node took it (from another owner, or free): it keeps it {@code lease_min_hold_ms} from then. */
		volatile long heldSince;
		/** When a commit refused by another node's newer version last asked for it. */
		volatile long refusalRequestAt = System.nanoTime() - RESEND_NANOS - 1;
		// guarded by the monitor
		long nextAttempt;
		long requestSentAt;
		/** Whether a thread of this node is asking the table for it now (written under the monitor). */
		volatile boolean taking;
		int waiters;

		Bucket(CoherentEntity entity, int index) {
			this.entity = entity;
			this.index = index;
		}

		boolean validNow(long now) {
			return held && !handingOver && now - validUntil < 0;
		}

		@Override
		public String toString() {
			return entity.name() + " bucket " + index;
		}
	}

	private final SessionFactoryImplementor factory;
	private final String nodeId;
	private final String logPrefix;
	private final LeaseTable table;
	private final Consumer<Announcement> publisher;
	private final Map<CoherentEntity, Bucket[]> buckets = new IdentityHashMap<>();
	/**
	 * Per entity, the ids whose pending write this node committed under a lease it lost (it expired and another node
	 * took the bucket) before it took the bucket again, or replayed from the journal on a bucket another node took
	 * while this node was down: fenced at flush, and no commit builds on them meanwhile. Each with the reason reported.
	 */
	private final Map<CoherentEntity, Map<Object, String>> doomed = new IdentityHashMap<>();
	/**
	 * With a journal: how long after its expiry a lease whose row is dirty still blocks the other nodes
	 * ({@code cluster.claim_ttl_ms}); 0 without a journal (rows are never dirty).
	 */
	private final long dirtyMillis;
	private final int bucketCount;
	private final long ttlMillis;
	private final long ttlNanos;
	private final long validityNanos;
	private final long waitNanos;
	private final long minHoldNanos;
	/**
	 * The hand-over requests of other nodes not served yet: bucket to requester (the latest one), guarded by itself;
	 * served together by the hand-over thread ({@link #serveRequests}).
	 */
	private final Map<Bucket, String> requests = new java.util.LinkedHashMap<>();
	/** When each of {@link #requests} arrived; guarded by {@link #requests}. */
	private final Map<Bucket, Long> requestedAt = new IdentityHashMap<>();
	/** Whether a {@link #serveRequests} task is queued or running; guarded by {@link #requests}. */
	private boolean serving;
	final AtomicLong acquired = new AtomicLong();
	final AtomicLong renewed = new AtomicLong();
	final AtomicLong handedOver = new AtomicLong();
	/** Flush transactions the fence rolled back. */
	final AtomicLong fenced = new AtomicLong();
	private final Thread keeper;
	private final ExecutorService handOvers;
	/**
	 * Tells this node's waiting commits that a bucket was handed to it, for the receiver thread, which must not wait:
	 * the bucket's monitor may be held by a thread waiting for the database.
	 */
	private final ExecutorService signals;
	/**
	 * Takes a bucket after a refusal when its holder's lease expired ({@link #takeIfFree}: a round trip, which may wait
	 * for a row lock); not on the hand-over thread, whose requests would wait behind it.
	 */
	private final ExecutorService refusalTakes;
	private volatile boolean closed;
	/**
	 * Whether the channel listens (written by the channel's thread through the receiver); while it does not, this node
	 * cannot hear hand-over requests. Until the first {@code reconnected()} it does not.
	 */
	private volatile boolean hearing;
	/** Since when ({@link System#nanoTime()}) the channel has not listened, while {@link #hearing} is false. */
	private volatile long deafSince = System.nanoTime();
	/** Whether the keeper said (WB000445) that it stopped renewing; keeper thread only. */
	private boolean deafLogged;
	/**
	 * How long the channel may be down before this node stops renewing its leases and takes only expired ones: half the
	 * lease time, so that a short outage (a Redis restart) costs nothing and a long one (a partition) frees its buckets.
	 */
	private final long deafNanos;
	/**
	 * While deaf: how long before a lease's local validity ends this node stops committing on it (it will not be
	 * renewed), so that its last writes, flushed at once, reach the database before the lease expires there.
	 */
	private final long deafMarginNanos;

	Leases(SessionFactoryImplementor factory, ClusterConfig config, String nodeId, boolean journaled, String unitName,
			String logPrefix, CoherentEntities entities, LeaseTable table, Consumer<Announcement> publisher) {
		this.factory = factory;
		this.dirtyMillis = journaled ? Math.max( config.claimTtlMillis, 1 ) : 0;
		this.nodeId = nodeId;
		this.logPrefix = logPrefix;
		this.table = table;
		this.publisher = publisher;
		this.bucketCount = config.leaseBuckets;
		this.ttlMillis = config.leaseTtlMillis;
		this.ttlNanos = TimeUnit.MILLISECONDS.toNanos( config.leaseTtlMillis );
		this.validityNanos = ttlNanos - ttlNanos / 10;
		this.waitNanos = TimeUnit.MILLISECONDS.toNanos( config.leaseWaitMillis );
		this.deafNanos = ttlNanos / 2;
		this.deafMarginNanos = ttlNanos / 10;
		this.minHoldNanos = TimeUnit.MILLISECONDS.toNanos( config.leaseMinHoldMillis );
		for ( CoherentEntity entity : entities.all() ) {
			if ( entity.versionType() != null && entity.idType() != null ) {
				Bucket[] array = new Bucket[bucketCount];
				for ( int i = 0; i < bucketCount; i++ ) {
					array[i] = new Bucket( entity, i );
				}
				buckets.put( entity, array );
				doomed.put( entity, new ConcurrentHashMap<>() );
			}
		}
		this.keeper = new Thread( this::keep, "write-behind-lease-keeper-" + unitName );
		keeper.setDaemon( true );
		this.refusalTakes = Executors.newSingleThreadExecutor( runnable -> {
			Thread thread = new Thread( runnable, "write-behind-lease-take-" + unitName );
			thread.setDaemon( true );
			return thread;
		} );
		this.signals = Executors.newSingleThreadExecutor( runnable -> {
			Thread thread = new Thread( runnable, "write-behind-lease-signals-" + unitName );
			thread.setDaemon( true );
			return thread;
		} );
		this.handOvers = Executors.newSingleThreadExecutor( runnable -> {
			Thread thread = new Thread( runnable, "write-behind-lease-hand-over-" + unitName );
			thread.setDaemon( true );
			return thread;
		} );
	}

	void start() {
		if ( dirtyMillis > 0 ) {
			recover();
		}
		for ( CoherentEntity entity : buckets.keySet() ) {
			// a commit refused because another node committed a newer version: that node holds the bucket, and may
			// still have the write pending; asking for the bucket makes it write it now and hand the bucket over
			entity.onRefusal( id -> {
				Bucket bucket = bucketOf( entity, id );
				long now = System.nanoTime();
				if ( !bucket.validNow( now ) && now - bucket.refusalRequestAt > RESEND_NANOS ) {
					bucket.refusalRequestAt = now;
					publisher.accept( new LeaseRequest( entity.region(), bucket.index ) );
					// and if its holder's lease expired (it stopped, or it is cut off), take it: its pending write will
					// be fenced out, and the retry builds on the database's row
					try {
						refusalTakes.execute( () -> takeIfFree( bucket ) );
					}
					catch (RejectedExecutionException e) {
						// closing
					}
				}
			} );
			// the marks of earlier owners' writes do not refuse commits on a bucket this node holds
			entity.owned( id -> bucketOf( entity, id ).validNow( System.nanoTime() ) );
		}
		keeper.start();
	}

	/**
	 * With a journal, at start, before the flusher starts (the journal's writes were replayed: they are the pending
	 * writes): this node's identity is the one kept in the journal directory, so it takes back the lease of each bucket
	 * of its replayed writes while the table still names it the owner (nobody else wrote the bucket since: the writes
	 * are valid, checked against their rows as usual), keeping the row dirty until they are written. The replayed
	 * writes of a bucket another node owns (it took it after this node's lease expired and {@code cluster.claim_ttl_ms}
	 * passed) are fenced out at flush and reported, never written over that node's rows. The other leases of its
	 * previous run are ended.
	 */
	private void recover() {
		Set<String> kept = new java.util.HashSet<>();
		int fencedOut = 0;
		int fencedBuckets = 0;
		Set<String> owners = new java.util.TreeSet<>();
		int ended;
		try {
			for ( Map.Entry<CoherentEntity, Bucket[]> entry : buckets.entrySet() ) {
				CoherentEntity entity = entry.getKey();
				Map<Bucket, List<Object>> replayed = new java.util.LinkedHashMap<>();
				entity.region().pendingIds().forEach( id -> replayed.computeIfAbsent( bucketOf( entity, id ),
						b -> new ArrayList<>() ).add( id ) );
				for ( Map.Entry<Bucket, List<Object>> ofBucket : replayed.entrySet() ) {
					Bucket bucket = ofBucket.getKey();
					long now = System.nanoTime();
					LeaseTable.Outcome outcome = table.reclaim( entity.name(), bucket.index, nodeId, ttlMillis,
							dirtyMillis );
					synchronized ( bucket ) {
						if ( outcome.held() ) {
							bucket.epoch = outcome.epoch();
							bucket.validUntil = now + validityNanos;
							bucket.lastUsed = now;
							bucket.dirtyInTable = true;
							bucket.held = true;
							acquired.incrementAndGet();
							kept.add( entity.name() + "#" + bucket.index );
						}
						else {
							String reason = "the write was replayed from the journal, but node " + outcome.owner()
									+ " took the lease of its bucket (" + bucket + ") while this node was down (after the "
									+ "lease expired and " + WriteBehindSettings.CLUSTER_CLAIM_TTL_MS + ", " + dirtyMillis
									+ " ms, passed), and may have written the id since";
							for ( Object id : ofBucket.getValue() ) {
								doomed.get( entity ).put( id, reason );
							}
							fencedOut += ofBucket.getValue().size();
							fencedBuckets++;
							owners.add( outcome.owner() );
						}
					}
				}
			}
			ended = table.releaseAllBut( nodeId, kept );
		}
		catch (RuntimeException e) {
			throw new org.hibernate.HibernateException( logPrefix + "Cannot start: with " + WriteBehindSettings.JOURNAL_DIR
					+ " and " + WriteBehindSettings.CLUSTER_VERSION_CHECK + "=lease a node restarted on its journal must "
					+ "take back the leases of its replayed writes in the lease table " + table.name() + " before it "
					+ "writes them, and that failed (" + e + "). Nothing is lost: the writes stay in the journal; start "
					+ "again once the database is reachable", e );
		}
		if ( !kept.isEmpty() || ended > 0 ) {
			LOG.leasesRecovered( logPrefix, nodeId, kept.size(), table.name(), ended );
		}
		if ( fencedOut > 0 ) {
			LOG.replayedWritesFenced( logPrefix, fencedOut, fencedBuckets, "held by " + String.join( ", ", owners ) );
		}
	}

	/**
	 * After the flusher stopped: gives up this node's leases in the table (without a journal its pending writes are
	 * written, or lost), so that the other nodes need not wait for them to expire. With a journal, the leases of buckets with writes still pending stay dirty (the next
	 * start replays them), the others are cleared and given up.
	 */
	void close() {
		closed = true;
		keeper.interrupt();
		handOvers.shutdownNow();
		signals.shutdownNow();
		refusalTakes.shutdownNow();
		try {
			if ( dirtyMillis > 0 ) {
				List<Bucket> clean = new ArrayList<>();
				for ( Map.Entry<CoherentEntity, Bucket[]> entry : buckets.entrySet() ) {
					boolean[] pending = pendingBuckets( entry.getKey() );
					for ( Bucket bucket : entry.getValue() ) {
						if ( bucket.dirtyInTable && !pending[bucket.index] && bucket.inFlight.get() == 0 ) {
							clean.add( bucket );
						}
					}
				}
				clear( clean );
			}
			table.releaseAll( nodeId );
		}
		catch (RuntimeException e) {
			LOG.leaseRenewalFailed( logPrefix, table.name(), "releasing this node's leases at close: " + e );
		}
		for ( Bucket[] array : buckets.values() ) {
			for ( Bucket bucket : array ) {
				synchronized ( bucket ) {
					bucket.notifyAll();
				}
			}
		}
	}

	/** Whether commits of the entity are checked by leases (versioned, with a basic id). */
	boolean leased(CoherentEntity entity) {
		return entity != null && buckets.containsKey( entity );
	}

	/** The bucket of an id of a leased entity: its ledger key's hash, the same on every node. */
	Bucket bucketOf(CoherentEntity entity, Object id) {
		int hash = entity.ledgerKey( id ).hashCode();
		hash ^= hash >>> 16;
		hash *= 0x9E3779B1;
		hash ^= hash >>> 15;
		return buckets.get( entity )[Math.floorMod( hash, bucketCount )];
	}

	// ---------------------------------------------------------------- channel state (channel's thread)

	/**
	 * The channel listens again, or stopped listening (called by the receiver): once it has not listened for half the
	 * lease time this node renews no lease and takes only expired ones ({@link #deaf}), since it cannot hear other
	 * nodes' hand-over requests; its leases then expire in the database and the other nodes take the buckets they ask
	 * for there (fencing keeps its late writes out).
	 */
	void hearing(boolean listening) {
		if ( listening ) {
			hearing = true;
		}
		else if ( hearing ) {
			deafSince = System.nanoTime();
			hearing = false;
		}
	}

	/** Whether the channel has not listened for longer than half the lease time. */
	boolean deaf(long now) {
		return !hearing && now - deafSince > deafNanos;
	}

	/**
	 * Whether a commit may pass on the bucket now: held validly, and while {@link #deaf} not within the last tenth of
	 * the lease time of its local validity (it will not be renewed: its last writes must reach the database in time).
	 */
	private boolean usable(Bucket bucket, long now) {
		return bucket.validNow( now ) && ( hearing || now - ( bucket.validUntil - deafMarginNanos ) < 0
				|| !deaf( now ) );
	}

	// ---------------------------------------------------------------- committing threads

	/**
	 * Before completion: holds every bucket the leased writes fall in (taking or asking for leases as needed, in one
	 * global order so that two nodes never wait for each other's buckets crosswise), counts the commit in flight on
	 * them until the transaction completed, and checks the writes' versions again against this node's committed state
	 * now that the buckets are held. Throws {@link StaleObjectStateException} when a bucket could not be had within
	 * {@code cluster.lease_wait_ms}, or when a write's version was replaced.
	 */
	void beforeCompletion(List<CommitWrite> writes, SharedSessionContractImplementor session,
			CoherentEntities entities) {
		List<Bucket> needed = null;
		List<CommitWrite> leasedWrites = null;
		for ( CommitWrite write : writes ) {
			CoherentEntity entity = entities.of( write.region() );
			if ( !leased( entity ) ) {
				continue;
			}
			if ( needed == null ) {
				needed = new ArrayList<>( 2 );
				leasedWrites = new ArrayList<>( writes.size() );
			}
			Bucket bucket = bucketOf( entity, write.id() );
			if ( !needed.contains( bucket ) ) {
				needed.add( bucket );
			}
			leasedWrites.add( write );
		}
		if ( needed == null ) {
			return;
		}
		if ( needed.size() > 1 ) {
			needed.sort( ORDER );
		}
		List<Bucket> entered = new ArrayList<>( needed.size() );
		session.getTransactionCompletionCallbacks().registerCallback( (AfterCompletionCallback) ( success, s ) -> {
			for ( Bucket bucket : entered ) {
				bucket.inFlight.decrementAndGet();
			}
			entered.clear();
		} );
		long deadline = System.nanoTime() + waitNanos;
		boolean taken = false;
		try {
			for ( Bucket bucket : needed ) {
				taken |= enter( bucket, leasedWrites, deadline );
				entered.add( bucket );
			}
			for ( CommitWrite write : leasedWrites ) {
				recheck( write, session, taken );
			}
		}
		catch (RuntimeException e) {
			for ( Bucket bucket : entered ) {
				bucket.inFlight.decrementAndGet();
			}
			entered.clear();
			throw e;
		}
	}

	/** Counts a commit in flight on a bucket this node holds validly; whether it was taken from another owner now. */
	private boolean enter(Bucket bucket, List<CommitWrite> writes, long deadline) {
		boolean taken = false;
		while ( true ) {
			bucket.inFlight.incrementAndGet();
			long now = System.nanoTime();
			if ( usable( bucket, now ) ) {
				// a journaled node's row must be dirty before its commit's writes are journaled (read after the
				// increment: the keeper clears it only after it saw no commit in flight, see clearClean)
				if ( dirtyMillis == 0 || bucket.dirtyInTable || markDirty( bucket ) ) {
					bucket.lastUsed = now;
					return taken;
				}
				now = System.nanoTime(); // the lease was lost meanwhile
			}
			bucket.inFlight.decrementAndGet();
			taken |= acquire( bucket, writes, deadline );
		}
	}

	/**
	 * Waits until this node holds the bucket validly, taking its lease (and asking its holder for it); whether it was
	 * taken from another owner. Throws once {@code deadline} passed.
	 */
	private boolean acquire(Bucket bucket, List<CommitWrite> writes, long deadline) {
		synchronized ( bucket ) {
			bucket.waiters++;
			try {
				String holder = null;
				while ( true ) {
					long now = System.nanoTime();
					if ( usable( bucket, now ) ) {
						return false; // another thread of this node took it
					}
					if ( closed ) {
						throw refusal( bucket, writes, "the node is closing" );
					}
					if ( !bucket.handingOver && now - bucket.nextAttempt >= 0 ) {
						bucket.nextAttempt = now + POLL_NANOS;
						// deaf: not even its own lease is extended (it expires, so that others may take it)
						boolean deaf = deaf( now );
						LeaseTable.Outcome outcome;
						bucket.taking = true; // until held, or not: a request meanwhile is kept until then
						try {
							outcome = table.take( bucket.entity.name(), bucket.index, nodeId, ttlMillis, !deaf,
									dirtyMillis );
						}
						catch (RuntimeException e) {
							bucket.taking = false;
							throw e;
						}
						if ( outcome.held() ) {
							boolean fromAnother = outcome.epoch() != bucket.epoch;
							if ( fromAnother ) {
								// the previous owner's writes of the bucket's ids are in the database: read them there,
								// not from the cache (the other ids are another bucket's: evicted when this node takes it)
								bucket.entity.evictIf( id -> bucketOf( bucket.entity, id ) == bucket );
								bucket.entity.forgetMarksIf( id -> bucketOf( bucket.entity, id ) == bucket );
								if ( bucket.epoch >= 0 ) {
									doomPending( bucket );
								}
							}
							if ( fromAnother || !bucket.held ) {
								bucket.heldSince = now;
							}
							bucket.epoch = outcome.epoch();
							bucket.validUntil = now + validityNanos;
							bucket.lastUsed = now;
							bucket.dirtyInTable = dirtyMillis > 0; // the take marked it
							bucket.held = true;
							bucket.taking = false;
							acquired.incrementAndGet();
							bucket.notifyAll();
							return fromAnother;
						}
						bucket.held = false;
						bucket.taking = false;
						holder = outcome.owner();
						if ( bucket.requestSentAt == 0 || now - bucket.requestSentAt > RESEND_NANOS ) {
							bucket.requestSentAt = now;
							publisher.accept( new LeaseRequest( bucket.entity.region(), bucket.index ) );
						}
					}
					long remaining = deadline - System.nanoTime();
					if ( remaining <= 0 ) {
						throw refusal( bucket, writes, holder == null ? "this node is handing it over"
								: nodeId.equals( holder ) ? "this node's coherence channel has not listened for "
										+ TimeUnit.NANOSECONDS.toMillis( System.nanoTime() - deafSince ) + " ms, so it "
										+ "does not renew its lease (other nodes' hand-over requests cannot reach it) "
										+ "and waits for it to expire in the database"
								: "node " + holder + " holds its lease and did not hand it over within "
										+ TimeUnit.NANOSECONDS.toMillis( waitNanos ) + " ms ("
										+ WriteBehindSettings.CLUSTER_LEASE_WAIT_MS + ")" );
					}
					long wait = Math.min( remaining, Math.max( bucket.nextAttempt - System.nanoTime(), 0 ) );
					TimeUnit.NANOSECONDS.timedWait( bucket, Math.max( wait, 100_000 ) );
				}
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw refusal( bucket, writes, "the committing thread was interrupted" );
			}
			finally {
				bucket.waiters--;
				if ( bucket.waiters == 0 ) {
					bucket.requestSentAt = 0;
				}
			}
		}
	}

	/**
	 * A journaled node's commit into a bucket whose row it left clean: marks the row dirty (one round trip, under the
	 * monitor, so never concurrently with the keeper's clear); whether the lease was still this node's. The commit is
	 * counted in flight; it is un-counted here when the mark throws (the database is not reachable).
	 */
	private boolean markDirty(Bucket bucket) {
		try {
			synchronized ( bucket ) {
				if ( bucket.dirtyInTable ) {
					return true;
				}
				if ( !bucket.validNow( System.nanoTime() ) ) {
					return false;
				}
				long epoch = bucket.epoch;
				boolean marked = table.markDirty( List.of( new LeaseTable.Held( bucket.entity.name(), bucket.index,
						epoch ) ), nodeId, dirtyMillis )[0];
				if ( marked ) {
					bucket.dirtyInTable = true;
				}
				else {
					bucket.held = false; // it expired and another node took it
				}
				return marked;
			}
		}
		catch (RuntimeException e) {
			bucket.inFlight.decrementAndGet();
			throw e;
		}
	}

	/**
	 * This node held the bucket before, lost it (another node took it after it expired) and takes it again: its pending
	 * writes of the bucket were committed under the lost lease, so they are fenced out at flush, and no commit builds on
	 * them. The commits that passed the check under the lost lease complete first (bounded by the wait).
	 */
	private void doomPending(Bucket bucket) {
		long deadline = System.nanoTime() + waitNanos;
		while ( bucket.inFlight.get() > 0 && System.nanoTime() - deadline < 0 ) {
			LockSupport.parkNanos( 50_000 );
		}
		Map<Object, String> ids = doomed.get( bucket.entity );
		bucket.entity.region().pendingIds().filter( id -> bucketOf( bucket.entity, id ) == bucket ).forEach( id -> ids.put(
				id, "the write of " + bucket.entity.name() + "#" + id + " was committed under a lease of its bucket that "
						+ "expired, and another node took the bucket meanwhile" ) );
	}

	/** Takes the bucket when it is free or expired, without waiting (hand-over thread; a commit was refused on it). */
	private void takeIfFree(Bucket bucket) {
		try {
			acquire( bucket, List.of(), System.nanoTime() );
		}
		catch (RuntimeException e) {
			// held by a live node (asked to hand it over), or the database is not reachable: the retry asks again
		}
	}

	private StaleObjectStateException refusal(Bucket bucket, List<CommitWrite> writes, String why) {
		Object id = null;
		for ( CommitWrite write : writes ) {
			if ( bucketOf( bucket.entity, write.id() ) == bucket ) {
				id = write.id();
				break;
			}
		}
		return new StaleObjectStateException( bucket.entity.name(), id, "this node could not get the lease of "
				+ bucket + " (" + WriteBehindSettings.CLUSTER_VERSION_CHECK + "=lease): " + why );
	}

	/**
	 * The commit's check against the latest committed state, once its buckets are held: this node is the only one
	 * committing them now, so its committed state of the id (its pending write, or the cache) is the latest; an id it
	 * no longer knows (evicted when it took the bucket) is checked against the database's row. An insert is checked
	 * against the row only when the commit took a bucket from another owner.
	 */
	private void recheck(CommitWrite write, SharedSessionContractImplementor session, boolean taken) {
		if ( write.writtenInTransaction() ) {
			return; // the database checked it
		}
		EntityRegion region = write.region();
		Map<Object, String> lost = doomed.get( entityOf( region ) );
		String why = lost == null ? null : lost.get( write.id() );
		if ( why != null ) {
			if ( region.isPending( write.id() ) ) {
				throw new StaleObjectStateException( region.entityName(), write.id(), "this node's pending write of the "
						+ "id is fenced out (reported) and cannot be built on: " + why );
			}
			lost.remove( write.id() ); // fenced and reported: the database's row counts again
		}
		if ( !write.baseExists() ) {
			if ( taken && currentVersion( write, session ) != null ) {
				throw HibernateFailures.duplicateId( region.entityName(), write.id(), "committed by another "
						+ "application node before this node took the lease of its bucket; this transaction's persist() "
						+ "of that id was refused" );
			}
			return;
		}
		EntitySnapshot current = region.lookup( write.id() );
		if ( current != null ) {
			if ( current.isDeleted() ) {
				throw new StaleObjectStateException( region.entityName(), write.id(),
						"the entity was removed by a transaction that committed first" );
			}
			if ( !region.sameVersion( current.version(), write.baseVersion() ) ) {
				throw new StaleObjectStateException( region.entityName(), write.id(), "version " + write.baseVersion()
						+ " was read, but version " + current.version() + " was committed first" );
			}
			return;
		}
		Object databaseVersion = currentVersion( write, session );
		if ( databaseVersion == null || !region.sameVersion( databaseVersion, write.baseVersion() ) ) {
			throw new StaleObjectStateException( region.entityName(), write.id(), "version " + write.baseVersion()
					+ " was read, but the database holds " + ( databaseVersion == null ? "no row"
							: "version " + databaseVersion ) + " (another application node wrote it)" );
		}
	}

	private CoherentEntity entityOf(EntityRegion region) {
		for ( CoherentEntity entity : buckets.keySet() ) {
			if ( entity.region() == region ) {
				return entity;
			}
		}
		return null;
	}

	/**
	 * Once a commit's writes are in the queue: while {@link #deaf}, its leased writes are made due at once, so that they
	 * reach the database under the lease, which will not be renewed (rather than at {@code max_delay_ms}, when another
	 * node may have taken the bucket and they would be fenced out).
	 */
	void published(List<CommitWrite> writes, CoherentEntities entities) {
		if ( hearing || !deaf( System.nanoTime() ) ) {
			return;
		}
		for ( CommitWrite write : writes ) {
			if ( leased( entities.of( write.region() ) ) ) {
				write.region().flushSoon( write.id() );
			}
		}
	}

	// ---------------------------------------------------------------- flusher threads

	/**
	 * Fencing, inside a flush transaction before it commits: every leased item's bucket must still be this node's at the
	 * epoch it holds now (the epoch its writes were committed under: a write committed under a lost lease is doomed when
	 * the node takes the bucket again), checked and locked in the database by one statement per entity; else
	 * {@link FlushFence.Fenced}.
	 */
	void fence(List<FlushItem> items, SharedSessionContractImplementor session, CoherentEntities entities) {
		Map<CoherentEntity, List<Bucket>> needed = null;
		for ( FlushItem item : items ) {
			CoherentEntity entity = entities.of( item.region() );
			if ( !leased( entity ) ) {
				continue;
			}
			String why = doomed.get( entity ).get( item.id() );
			if ( why != null ) {
				throw new FlushFence.Fenced( why );
			}
			if ( needed == null ) {
				needed = new IdentityHashMap<>();
			}
			Bucket bucket = bucketOf( entity, item.id() );
			List<Bucket> list = needed.computeIfAbsent( entity, e -> new ArrayList<>() );
			if ( !list.contains( bucket ) ) {
				list.add( bucket );
			}
		}
		if ( needed == null ) {
			return;
		}
		java.sql.Connection connection = session.getJdbcCoordinator().getLogicalConnection().getPhysicalConnection();
		for ( Map.Entry<CoherentEntity, List<Bucket>> entry : needed.entrySet() ) {
			List<Bucket> list = entry.getValue();
			int[] indexes = new int[list.size()];
			long[] epochs = new long[list.size()];
			for ( int i = 0; i < indexes.length; i++ ) {
				indexes[i] = list.get( i ).index;
				epochs[i] = list.get( i ).epoch;
			}
			int found;
			try {
				found = table.fence( connection, entry.getKey().name(), nodeId, indexes, epochs );
			}
			catch (java.sql.SQLException e) {
				throw session.getJdbcServices().getSqlExceptionHelper().convert( e, logPrefix + "Could not check the "
						+ "leases of a flush in " + table.name() + " (" + WriteBehindSettings.CLUSTER_VERSION_CHECK
						+ "=lease)" );
			}
			if ( found < indexes.length ) {
				fenced.incrementAndGet();
				throw new FlushFence.Fenced( "this node no longer holds the lease of every bucket of " + list + " at the "
						+ "epoch its writes were committed under (another node took it after it expired)" );
			}
		}
	}

	/** A recovered write's reason to be fenced out before its row is even read (see {@link #recover}), or null. */
	String refusedReplay(FlushItem item, CoherentEntities entities) {
		CoherentEntity entity = entities.of( item.region() );
		Map<Object, String> ids = entity == null ? null : doomed.get( entity );
		return ids == null ? null : ids.get( item.id() );
	}

	private Object currentVersion(CommitWrite write, SharedSessionContractImplementor session) {
		// in a transaction of its own: the application's may read an older snapshot (REPEATABLE READ on MariaDB/MySQL)
		EntityPersister persister = factory.getMappingMetamodel().getEntityDescriptor( write.region().entityName() );
		return CurrentVersions.read( persister, write.id(), session );
	}

	// ---------------------------------------------------------------- receiver thread

	/** Another node asks for the bucket's lease: handed over by the hand-over thread if this node holds it. */
	void requested(CoherentEntity entity, String bucketText, String from) {
		Bucket bucket = bucket( entity, bucketText );
		// a bucket this node is taking counts too: the requester may have seen this node in the table before it set
		// the bucket held (it would otherwise ask again only after RESEND_NANOS)
		if ( bucket == null || !bucket.held && !bucket.taking || nodeId.equals( from ) ) {
			return;
		}
		synchronized ( requests ) {
			requests.put( bucket, from );
			requestedAt.put( bucket, System.nanoTime() );
			if ( serving ) {
				requests.notifyAll(); // a request whose bucket's holding time is over is served with the next batch
				return;
			}
			serving = true;
		}
		try {
			handOvers.execute( this::serveRequests );
		}
		catch (RejectedExecutionException e) {
			synchronized ( requests ) {
				serving = false; // closing
			}
		}
	}

	/** Another node handed the bucket over to {@code to}: if that is this node, its waiting commits ask at once. */
	void granted(CoherentEntity entity, String bucketText, String to) {
		Bucket bucket = bucket( entity, bucketText );
		if ( bucket == null || !nodeId.equals( to ) ) {
			return;
		}
		// not on the receiver thread: a committing thread may hold the bucket's monitor while it waits for the database
		// (a row lock of the lease table), and the receiver would then hold up every other message
		try {
			signals.execute( () -> {
				synchronized ( bucket ) {
					bucket.nextAttempt = System.nanoTime();
					bucket.notifyAll();
				}
			} );
		}
		catch (RejectedExecutionException e) {
			// closing
		}
	}

	private Bucket bucket(CoherentEntity entity, String text) {
		Bucket[] array = entity == null ? null : buckets.get( entity );
		if ( array == null || text == null ) {
			return null;
		}
		try {
			int index = Integer.parseInt( text );
			return index >= 0 && index < array.length ? array[index] : null;
		}
		catch (NumberFormatException e) {
			return null;
		}
	}

	// ---------------------------------------------------------------- hand-over thread

	/**
	 * Serves the requests of other nodes, in batches: every request whose bucket this node has held for
	 * {@code cluster.lease_min_hold_ms} is handed over with the others due then ({@link #handOver(Map)}); requests that
	 * arrive meanwhile wait for the next batch. Runs until no request is left.
	 */
	private void serveRequests() {
		try {
			while ( true ) {
				Map<Bucket, String> batch = new java.util.LinkedHashMap<>();
				synchronized ( requests ) {
					while ( true ) {
						if ( closed ) {
							requests.clear();
							requestedAt.clear();
						}
						long now = System.nanoTime();
						long wait = Long.MAX_VALUE;
						for ( var it = requests.entrySet().iterator(); it.hasNext(); ) {
							Map.Entry<Bucket, String> request = it.next();
							Bucket bucket = request.getKey();
							if ( !handable( bucket, now ) ) {
								if ( bucket.taking && now - requestedAt.get( bucket ) < 2 * RESEND_NANOS ) {
									wait = Math.min( wait, 1_000_000 ); // being taken by this node: served once held
									continue;
								}
								it.remove(); // not this node's (any more): the requester takes it from the table
								requestedAt.remove( bucket );
								continue;
							}
							// held for lease_min_hold_ms, and used by a commit since it was taken (the one that asked
							// for it, unless that one gave up: then after a quarter of lease_wait_ms)
							long left = Math.max( bucket.heldSince + minHoldNanos - now,
									bucket.lastUsed - bucket.heldSince > 0 ? 0 : bucket.heldSince + waitNanos / 4 - now );
							if ( left <= 0 ) {
								batch.put( bucket, request.getValue() );
								it.remove();
								requestedAt.remove( bucket );
							}
							else {
								wait = Math.min( wait, left );
							}
						}
						if ( !batch.isEmpty() ) {
							break;
						}
						if ( requests.isEmpty() ) {
							serving = false;
							return;
						}
						// at most 1 ms: a commit's use of a bucket is not notified
						TimeUnit.NANOSECONDS.timedWait( requests, Math.min( Math.max( wait, 100_000 ), 1_000_000 ) );
					}
				}
				handOver( batch );
			}
		}
		catch (InterruptedException e) {
			// closing
			synchronized ( requests ) {
				serving = false;
			}
		}
		catch (RuntimeException | Error e) {
			synchronized ( requests ) {
				serving = false;
			}
			throw e;
		}
	}

	/**
	 * Hands buckets this node holds over to the nodes that asked for them ({@code batch}: bucket to requester): no new
	 * commit on them, the commits in flight complete, their pending writes are flushed (together), then each lease goes
	 * to its requester at the next epoch (one statement per entity and requester, in one transaction) and the
	 * requesters are told (one message). A bucket whose commits in flight do not complete within
	 * {@code cluster.lease_wait_ms} is kept; when the pending writes cannot be flushed within that time (the database
	 * is down), every bucket of the batch is kept, and this node commits on.
	 */
	/**
	 * Whether this node may hand the bucket over: it holds it validly, or it stopped renewing it while its row is
	 * dirty (nobody may take it by expiry; it is still this node's once its pending writes are written).
	 */
	private static boolean handable(Bucket bucket, long now) {
		return bucket.validNow( now ) || bucket.held && bucket.dirtyInTable && !bucket.handingOver;
	}

	private void handOver(Map<Bucket, String> batch) {
		long deadline = System.nanoTime() + Math.max( waitNanos, TimeUnit.MILLISECONDS.toNanos( 100 ) );
		Map<Bucket, Long> epochs = new java.util.LinkedHashMap<>();
		for ( Bucket bucket : batch.keySet() ) {
			synchronized ( bucket ) {
				if ( handable( bucket, System.nanoTime() ) ) {
					bucket.handingOver = true;
					epochs.put( bucket, bucket.epoch );
				}
			}
		}
		List<Bucket> ready = new ArrayList<>( epochs.size() );
		boolean released = false;
		try {
			for ( Bucket bucket : epochs.keySet() ) {
				while ( bucket.inFlight.get() > 0 && System.nanoTime() - deadline < 0 && !closed ) {
					LockSupport.parkNanos( 50_000 );
				}
				if ( bucket.inFlight.get() == 0 ) {
					ready.add( bucket );
				}
			}
			if ( ready.isEmpty() || closed ) {
				return;
			}
			// the pending writes of those buckets, made due at once and waited for
			Map<CoherentEntity, Set<Bucket>> byEntity = new IdentityHashMap<>();
			for ( Bucket bucket : ready ) {
				byEntity.computeIfAbsent( bucket.entity, e -> new java.util.HashSet<>() ).add( bucket );
			}
			List<Map.Entry<EntityRegion, Object>> pending = new ArrayList<>();
			byEntity.forEach( (entity, set) -> {
				EntityRegion region = entity.region();
				region.pendingIds().filter( id -> set.contains( bucketOf( entity, id ) ) )
						.forEach( id -> pending.add( Map.entry( region, id ) ) );
			} );
			for ( Map.Entry<EntityRegion, Object> write : pending ) {
				write.getKey().flushSoon( write.getValue() );
			}
			for ( Map.Entry<EntityRegion, Object> write : pending ) {
				while ( write.getKey().isPending( write.getValue() ) ) {
					if ( System.nanoTime() - deadline > 0 || closed ) {
						return;
					}
					LockSupport.parkNanos( 200_000 );
				}
			}
			List<LeaseTable.HandOver> handOvers = new ArrayList<>( ready.size() );
			for ( Bucket bucket : ready ) {
				handOvers.add( new LeaseTable.HandOver( bucket.entity.name(), bucket.index, epochs.get( bucket ),
						batch.get( bucket ) ) );
			}
			handedOver.addAndGet( table.handOver( handOvers, nodeId, ttlMillis ) );
			released = true; // handed over, or no longer this node's anyway
			for ( Bucket bucket : ready ) {
				publisher.accept( new LeaseGranted( bucket.entity.region(), bucket.index, batch.get( bucket ) ) );
			}
		}
		catch (RuntimeException e) {
			LOG.leaseHandOverFailed( logPrefix, ready.isEmpty() ? epochs.keySet().toString() : ready.toString(),
					e.toString() );
		}
		finally {
			for ( Bucket bucket : epochs.keySet() ) {
				synchronized ( bucket ) {
					if ( released && ready.contains( bucket ) ) {
						bucket.held = false;
						bucket.dirtyInTable = false; // the hand-over cleared it (or another node holds it)
					}
					bucket.handingOver = false;
					bucket.notifyAll();
				}
			}
		}
	}

	/** For tests: no lease counts as valid locally any more (as after a pause longer than the lease). */
	void expireAllLocally() {
		long now = System.nanoTime();
		for ( Bucket[] array : buckets.values() ) {
			for ( Bucket bucket : array ) {
				synchronized ( bucket ) {
					bucket.validUntil = now;
				}
			}
		}
	}

	// ---------------------------------------------------------------- keeper thread

	/** Renews, every quarter of the lease time, the leases used lately whose local validity is half gone. */
	private void keep() {
		long interval = Math.max( ttlNanos / 4, TimeUnit.MILLISECONDS.toNanos( 20 ) );
		while ( !closed ) {
			LockSupport.parkNanos( interval );
			if ( closed ) {
				return;
			}
			try {
				renewDue();
			}
			catch (RuntimeException e) {
				LOG.leaseRenewalFailed( logPrefix, table.name(), e.toString() );
			}
			if ( dirtyMillis > 0 ) {
				try {
					clearClean();
				}
				catch (RuntimeException e) {
					LOG.leaseClearFailed( logPrefix, table.name(), e.toString() );
				}
			}
		}
	}

	private void renewDue() {
		long now = System.nanoTime();
		if ( deaf( now ) ) {
			// it cannot hear hand-over requests: its leases run out, and other nodes take them in the database
			if ( !deafLogged ) {
				deafLogged = true;
				LOG.leasesNotRenewedWhileDeaf( logPrefix, TimeUnit.NANOSECONDS.toMillis( now - deafSince ) );
			}
			return;
		}
		deafLogged = false;
		List<Bucket> due = new ArrayList<>();
		List<LeaseTable.Held> leases = new ArrayList<>();
		for ( Bucket[] array : buckets.values() ) {
			for ( Bucket bucket : array ) {
				if ( bucket.validNow( now ) && now - bucket.lastUsed < ttlNanos
						&& bucket.validUntil - now < ttlNanos / 2 ) {
					due.add( bucket );
					leases.add( new LeaseTable.Held( bucket.entity.name(), bucket.index, bucket.epoch ) );
				}
			}
		}
		if ( due.isEmpty() ) {
			return;
		}
		long start = System.nanoTime();
		boolean[] done = table.renew( leases, nodeId, ttlMillis );
		for ( int i = 0; i < done.length; i++ ) {
			Bucket bucket = due.get( i );
			synchronized ( bucket ) {
				if ( bucket.epoch != leases.get( i ).epoch() ) {
					continue; // handed over and taken again meanwhile
				}
				if ( done[i] ) {
					bucket.validUntil = start + validityNanos;
					renewed.incrementAndGet();
				}
				else {
					bucket.held = false; // it expired and another node took it
				}
			}
		}
	}

	/**
	 * Journaled nodes: clears the dirty mark of the buckets whose rows are dirty but that have no pending write and no
	 * commit in flight any more, so that another node may take them by expiry again (a node killed then blocks nothing
	 * for {@code cluster.claim_ttl_ms}). The race with a commit is Dekker's: the commit increments {@code inFlight}, then
	 * reads {@code dirtyInTable}; the keeper sets {@code dirtyInTable} false, then reads {@code inFlight} and the
	 * pending writes, and sets it back when either shows the bucket in use. So either the commit sees false and marks
	 * the row again (under the monitor, after the keeper's clear), or the keeper sees the commit and leaves the row.
	 */
	void clearClean() {
		clearClean( null );
	}

	/** {@code afterScan}: for tests, run between the look for unused buckets and their clear (widens the race). */
	private void clearClean(Runnable afterScan) {
		List<Bucket> candidates = new ArrayList<>();
		for ( Map.Entry<CoherentEntity, Bucket[]> entry : buckets.entrySet() ) {
			boolean[] pending = null;
			for ( Bucket bucket : entry.getValue() ) {
				if ( bucket.dirtyInTable && bucket.inFlight.get() == 0 ) {
					if ( pending == null ) {
						pending = pendingBuckets( entry.getKey() ); // a hint only: checked again under the monitor
					}
					if ( !pending[bucket.index] ) {
						candidates.add( bucket );
					}
				}
			}
		}
		if ( afterScan != null ) {
			afterScan.run();
		}
		clear( candidates );
	}

	/** Clears the rows of those buckets that are unused under their monitors, 64 at a time, in the global order. */
	private void clear(List<Bucket> buckets) {
		buckets.sort( ORDER );
		for ( int from = 0; from < buckets.size(); from += 64 ) {
			clearUnder( buckets.subList( from, Math.min( from + 64, buckets.size() ) ), 0, new ArrayList<>() );
		}
	}

	/** Which buckets of the entity have a pending write now. */
	private boolean[] pendingBuckets(CoherentEntity entity) {
		boolean[] pending = new boolean[bucketCount];
		entity.region().pendingIds().forEach( id -> pending[bucketOf( entity, id ).index] = true );
		return pending;
	}

	/**
	 * Takes the monitors of {@code list[from..]} in turn (the list is in the global order), and under all of them clears
	 * the rows of the buckets found unused (in one transaction); a bucket found in use keeps its mark.
	 */
	private void clearUnder(List<Bucket> list, int from, List<Bucket> clearing) {
		if ( from == list.size() ) {
			if ( clearing.isEmpty() ) {
				return;
			}
			List<LeaseTable.Held> leases = new ArrayList<>( clearing.size() );
			for ( Bucket bucket : clearing ) {
				leases.add( new LeaseTable.Held( bucket.entity.name(), bucket.index, bucket.epoch ) );
			}
			boolean[] done;
			try {
				done = table.markDirty( leases, nodeId, 0 );
			}
			catch (RuntimeException e) {
				for ( Bucket bucket : clearing ) {
					bucket.dirtyInTable = true; // not cleared: still dirty in the table
				}
				throw e;
			}
			for ( int i = 0; i < done.length; i++ ) {
				if ( !done[i] ) {
					clearing.get( i ).held = false; // it expired and another node took it
				}
			}
			return;
		}
		Bucket bucket = list.get( from );
		synchronized ( bucket ) {
			if ( bucket.dirtyInTable && !bucket.handingOver ) {
				bucket.dirtyInTable = false;
				if ( bucket.inFlight.get() > 0 || hasPending( bucket ) ) {
					bucket.dirtyInTable = true; // in use: a commit may have read the mark before it was reset
				}
				else {
					clearing.add( bucket );
				}
			}
			clearUnder( list, from + 1, clearing );
		}
	}

	private boolean hasPending(Bucket bucket) {
		return bucket.entity.region().pendingIds().anyMatch( id -> bucketOf( bucket.entity, id ) == bucket );
	}

	/** For tests: clears the dirty marks of unused buckets now (what the keeper does every quarter of the lease time). */
	void clearCleanNow(Runnable afterScan) {
		clearClean( afterScan );
	}
}
