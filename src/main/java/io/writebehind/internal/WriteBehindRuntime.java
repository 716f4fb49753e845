package io.writebehind.internal;

import io.writebehind.internal.common.WriteBehindLogger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.hibernate.SessionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;

import io.writebehind.ConflictPolicy;
import io.writebehind.ConflictResolver;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindStats;
import io.writebehind.cluster.internal.ClusterCoherence;
import io.writebehind.cluster.internal.ClusterParticipant;
import io.writebehind.internal.queue.FlushItem;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import io.writebehind.internal.cache.EntityCache;
import io.writebehind.internal.config.WriteBehindConfig;
import io.writebehind.internal.flush.FailureHandling;
import io.writebehind.internal.flush.FlushCounters;
import io.writebehind.internal.flush.FlushListeners;
import io.writebehind.internal.flush.Flusher;
import io.writebehind.internal.flush.HibernateStatistics;
import io.writebehind.internal.journal.JournalParticipant;
import io.writebehind.internal.journal.JournalSupport;
import io.writebehind.internal.queue.CommitParticipant;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.Partition;
import io.writebehind.internal.queue.WriteQueue;

/**
 * Everything write-behind holds for one {@code SessionFactory}, and the one place that assembles it: settings, read
 * cache, write queue and regions, flusher threads, failure handling, listeners, and the features plugged in at start
 * (cluster coherence, journal, MBean, JVM shutdown hook). Created when the factory has been built, kept in the
 * factory's {@link RuntimeRegistry}, closed when the factory closes. Its figures are {@link RuntimeStats}, its end
 * {@link RuntimeShutdown}, its public face {@link WriteBehindHandle}. Thread-safe.
 */
public final class WriteBehindRuntime {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( WriteBehindRuntime.class );

	/** One opted-in entity hierarchy, in foreign-key order. */
	public record RegionSpec(String rootEntityName, List<String> entityNames, long maxDelayMs, boolean versioned,
			java.util.Comparator<Object> versionComparator, ConflictPolicy conflictPolicy, ConflictResolver conflictResolver,
			boolean flushBeforeQueries, List<String> tables) {
	}

	/** The regions whose entities are stored in each table (query space); filled by the constructor, then read-only. */
	private final Map<String, List<EntityRegion>> regionsByTable = new HashMap<>();
	/** The region of each opted-in entity name; filled by the constructor, then read-only. */
	private final Map<String, EntityRegion> regionByEntityName = new HashMap<>();

	private final SessionFactoryImplementor factory;
	private final String unitName;
	private final String logPrefix;
	private final WriteBehindConfig config;
	private final EntityCache cache;
	private final WriteQueue queue;
	private final FlushCounters counters = new FlushCounters();
	private final FailureHandling failures;
	private final Flusher flusher;
	/** The rows written, counted in Hibernate's statistics when they are enabled. */
	private final HibernateStatistics statistics;
	private final FlushListeners listeners;
	private final RuntimeStats stats;
	private final RuntimeShutdown shutdown;
	private final WriteBehindHandle handle;
	/** Set by {@link #start()}, cleared by {@link #close()}, both under this object's lock. */
	private javax.management.ObjectName mbeanName;
	/** Set once under this object's lock by {@link #close()}; read by any thread. */
	private volatile boolean closed;
	/** The journal, or {@code null} when {@code journal.dir} is not set; set once by {@link #start()}. */
	private volatile JournalSupport journal;
	/** Cross-node cache coherence, or {@code null} with {@code cluster.channel=none}; set once by {@link #start()}. */
	private volatile ClusterCoherence coherence;

	public WriteBehindRuntime(SessionFactoryImplementor factory, String unitName, WriteBehindConfig config,
			List<RegionSpec> regions) {
		this.factory = factory;
		this.unitName = unitName;
		this.logPrefix = "[write-behind " + unitName + "] ";
		this.config = config;
		this.cache = new EntityCache( config.cacheMaximumSize );
		this.queue = new WriteQueue( config.flusherThreads, regions.size(), config.partitionFlushThreshold(), config.queueCapacity, cache, config.ticker );
		for ( RegionSpec spec : regions ) {
			EntityRegion region = queue.addRegion( spec.rootEntityName(), spec.maxDelayMs(), spec.versioned(),
					spec.versionComparator(), spec.conflictPolicy(), spec.conflictResolver() );
			for ( String name : spec.entityNames() ) {
				regionByEntityName.put( name, region );
			}
			region.flushBeforeQueries( spec.flushBeforeQueries() );
			for ( String table : spec.tables() ) {
				List<EntityRegion> list = regionsByTable.computeIfAbsent( table, t -> new ArrayList<>() );
				if ( !list.contains( region ) ) {
					list.add( region );
				}
			}
		}
		this.failures = new FailureHandling( config.deadLetterCapacity, logPrefix, config.failureHandler );
		this.listeners = new FlushListeners( unitName, logPrefix, config.listeners );
		this.flusher = new Flusher( factory, config, queue, counters, failures, listeners, logPrefix,
				"write-behind-flusher-" + unitName, regionByEntityName::get );
		this.stats = new RuntimeStats( queue, counters, cache, clusterChannel(), () -> coherence,
				() -> journal );
		this.shutdown = new RuntimeShutdown( this, factory, queue, logPrefix, config.shutdownTimeoutMs );
		this.handle = new WriteBehindHandle( this );
		this.statistics = new HibernateStatistics( factory.getStatistics() );
	}

	/** The runtime of a factory (or of a proxy of one), or {@code null} when write-behind does not run on it. */
	public static WriteBehindRuntime of(SessionFactory factory) {
		return RuntimeRegistry.runtimeOf( factory );
	}

	public synchronized void start() {
		RuntimeRegistry registry = RuntimeRegistry.of( factory );
		if ( registry == null ) {
			throw new WriteBehindConfigurationException( logPrefix + "The factory's service registry has no "
					+ RuntimeRegistry.class.getName() + ": keep META-INF/services/"
					+ org.hibernate.service.spi.SessionFactoryServiceContributor.class.getName()
					+ " of hibernate-write-behind visible to the class loader that builds the factory (a shaded or "
					+ "repackaged jar may drop it)" );
		}
		registry.register( this );
		// the features plug into the core here: commit participants (in this order), flush observers, region guards
		List<CommitParticipant> participants = new ArrayList<>();
		if ( config.journal.enabled() ) {
			// before the factory serves any session: the journal's writes are pending again, and read from the cache;
			// first, so that the directory is locked before the cluster uses the node identity kept in it, and the
			// leases see the replayed writes
			journal = JournalSupport.start( factory, config.journal, logPrefix, unitName, regionByEntityName::get,
					queue::regions );
			flusher.observer( journal );
			participants.add( new JournalParticipant( journal ) );
		}
		// after the journal, which is told first
		flusher.observer( statistics );
		if ( config.cluster.enabled() ) {
			try {
				coherence = new ClusterCoherence( factory, config.cluster, unitName, logPrefix, queue.regions(),
						journal == null ? null : journal.nodeIdentity() );
				coherence.start();
			}
			catch (RuntimeException e) {
				if ( journal != null ) {
					journal.close(); // releases the directory's lock; the replayed writes stay in the journal
					journal = null;
				}
				if ( coherence != null ) {
					try {
						coherence.close();
					}
					catch (RuntimeException suppressed) {
						e.addSuppressed( suppressed );
					}
					coherence = null;
				}
				throw e;
			}
			if ( coherence.leased() ) {
				ClusterCoherence leased = coherence;
				flusher.fence( new io.writebehind.internal.flush.FlushFence() { // a deposed lease holder's flush never lands
					@Override
					public void check(List<FlushItem> items, SharedSessionContractImplementor session) {
						leased.fence( items, session );
					}

					@Override
					public String refused(FlushItem item) {
						return leased.refusedReplay( item ); // replayed on a bucket another node took meanwhile
					}
				} );
			}
		}
		if ( coherence != null ) {
			participants.add( new ClusterParticipant( coherence ) );
		}
		commitParticipants = List.copyOf( participants );
		flusher.start();
		if ( config.jmxEnabled ) {
			mbeanName = JmxRegistration.register( handle, unitName, logPrefix );
		}
		if ( config.flushOnShutdown ) {
			shutdown.installHook( unitName );
		}
	}

	/** Drains the queue (up to {@code shutdown_timeout_ms}), stops the flusher and the features, forgets the factory. */
	public synchronized void close() {
		if ( closed ) {
			return;
		}
		shutdown.drain( "closing the EntityManagerFactory" );
		closed = true;
		flusher.stop( 5_000 );
		if ( coherence != null ) {
			coherence.close();
		}
		if ( journal != null ) {
			journal.close();
		}
		RuntimeRegistry registry = RuntimeRegistry.of( factory );
		if ( registry != null ) {
			registry.unregister( this );
		}
		if ( mbeanName != null ) {
			JmxRegistration.unregister( mbeanName, logPrefix );
			mbeanName = null;
		}
		shutdown.removeHook();
	}

	public boolean isClosed() {
		return closed;
	}

	/** The public handle on this runtime ({@code WriteBehind.of} returns it). */
	public WriteBehind handle() {
		return handle;
	}

	/** The journal, or {@code null} when {@code journal.dir} is not set. */
	public JournalSupport journal() {
		return journal;
	}

	/** The features taking part in each commit (set once by {@link #start}, before any session). */
	private volatile List<CommitParticipant> commitParticipants = List.of();

	public ClusterCoherence coherence() {
		return coherence;
	}

	/** The features taking part in each commit of opted-in writes (journal, cluster), in their order. */
	public List<CommitParticipant> commitParticipants() {
		return commitParticipants;
	}

	public String logPrefix() {
		return logPrefix;
	}

	/** The persistence unit's name. */
	public String unitName() {
		return unitName;
	}

	FlushListeners listeners() {
		return listeners;
	}

	FailureHandling failures() {
		return failures;
	}

	/** Stops writing to the database; commits keep being accepted up to the queue's capacity. */
	public synchronized void pause() {
		if ( !closed && !queue.isPaused() ) {
			queue.pause();
			LOG.paused( logPrefix, queue.pending() );
		}
	}

	/** Writes again; what was queued meanwhile is due at once. */
	public synchronized void resume() {
		if ( queue.isPaused() ) {
			queue.resume();
			LOG.resumed( logPrefix, queue.pending() );
		}
	}

	public boolean isPaused() {
		return queue.isPaused();
	}

	/** A commit was refused because the queue stayed full. */
	public void queueFull(Collection<EntityRegion> regionsOfTheCommit) {
		queue.countQueueFull( regionsOfTheCommit );
	}

	public EntityCache cache() {
		return cache;
	}

	public FlushCounters counters() {
		return counters;
	}

	public WriteBehindConfig config() {
		return config;
	}

	/** The region of an opted-in entity name (root or subclass), or {@code null} for an entity that is not opted in. */
	public EntityRegion regionOf(String entityName) {
		return regionByEntityName.get( entityName );
	}

	public List<EntityRegion> regions() {
		return queue.regions();
	}

	/**
	 * The regions stored in any of the given tables (query spaces); {@code null} or empty spaces mean "unknown", as
	 * for a native query that declares none: every region.
	 */
	public Set<EntityRegion> regionsOfTables(Collection<String> tables) {
		if ( tables == null || tables.isEmpty() ) {
			return new LinkedHashSet<>( queue.regions() );
		}
		Set<EntityRegion> found = null;
		for ( String table : tables ) {
			List<EntityRegion> regions = regionsByTable.get( table );
			if ( regions != null ) {
				if ( found == null ) {
					found = new LinkedHashSet<>();
				}
				found.addAll( regions );
			}
		}
		return found == null ? Set.of() : found;
	}

	/** Hibernate's statistics of the rows written (for the rows an application transaction writes itself). */
	public HibernateStatistics statistics() {
		return statistics;
	}

	public WriteQueue queue() {
		return queue;
	}

	/** Blocks until every write committed before the call reached the database or failure handling. */
	public boolean flush(Duration timeout) {
		return flush( null, timeout );
	}

	/** As {@link #flush(Duration)}, for the writes of some regions only ({@code null}: all). */
	public boolean flush(Collection<EntityRegion> only, Duration timeout) {
		if ( only != null ) {
			// the writes of the regions asked for may reference pending inserts of regions before them in foreign-key
			// order; the flusher holds such a write back until its parent is written, so those are forced too
			int last = -1;
			for ( EntityRegion region : only ) {
				last = Math.max( last, region.index() );
			}
			List<EntityRegion> widened = new ArrayList<>();
			for ( EntityRegion region : queue.regions() ) {
				if ( region.index() <= last ) {
					widened.add( region );
				}
			}
			only = widened;
		}
		long deadline = System.nanoTime() + Math.min( timeout.toNanos(), Long.MAX_VALUE / 4 );
		for ( Partition partition : queue.partitions() ) {
			partition.retryNow();
		}
		boolean done;
		try {
			done = queue.awaitFlushed( only, queue.isPaused() ? System.nanoTime() : deadline );
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return false;
		}
		if ( !done && queue.isPaused() ) {
			throw new PausedException( logPrefix + "Flushing is paused (WriteBehind.pause()): the pending writes "
					+ "cannot reach the database until WriteBehind.resume()" );
		}
		return done;
	}

	/** A flush was asked for while flushing is paused and there were writes to wait for. */
	public static final class PausedException extends IllegalStateException {
		private static final long serialVersionUID = 1L;

		PausedException(String message) {
			super( message );
		}
	}

	public WriteBehindStats stats() {
		return stats.stats();
	}

	/** The figures of one region. */
	public WriteBehindStats.EntityStats entityStats(EntityRegion region) {
		return stats.entityStats( region );
	}

	/** {@code cluster.channel}: {@code none}, {@code postgresql}, {@code redis} or another channel provider's name. */
	public String clusterChannel() {
		return config.cluster.channel;
	}

	/**
	 * Whether the database is an embedded H2 file database: after the drain at JVM exit its data is forced to disk
	 * (CHECKPOINT), as H2 keeps the last commits in memory for up to WRITE_DELAY ms and nothing closes a database opened
	 * with DB_CLOSE_ON_EXIT=FALSE when the JVM exits.
	 */
	public void checkpointAtExit(boolean checkpoint) {
		shutdown.checkpointAtExit( checkpoint );
	}

	/** Entity names per region, for the boot summary. */
	public Map<String, List<String>> describe() {
		Map<String, List<String>> result = new TreeMap<>();
		regionByEntityName.forEach( (name, region) ->
				result.computeIfAbsent( region.entityName(), k -> new ArrayList<>() ).add( name ) );
		result.values().forEach( Collections::sort );
		return result;
	}
}
