package io.writebehind.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.hibernate.SessionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;

import io.writebehind.ConflictPolicy;
import io.writebehind.ConflictResolver;
import io.writebehind.FailedWrite;
import io.writebehind.WriteFailureHandler;
import io.writebehind.WriteBehindListener;
import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteBehindStats;
import io.writebehind.internal.cache.EntityCache;
import io.writebehind.internal.config.WriteBehindConfig;
import io.writebehind.internal.flush.FailureHandling;
import io.writebehind.internal.flush.FlushCounters;
import io.writebehind.internal.flush.FlushListeners;
import io.writebehind.internal.flush.Flusher;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.Partition;
import io.writebehind.internal.queue.PendingWrite;
import io.writebehind.internal.queue.WriteQueue;

/**
 * Everything write-behind holds for one {@code SessionFactory}: settings, read cache, write queue, flusher threads,
 * counters and failed writes. Created when the factory has been built, closed when it closes. Thread-safe.
 */
public final class WriteBehindRuntime {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( WriteBehindRuntime.class );
	private static final Map<SessionFactory, WriteBehindRuntime> RUNTIMES = new ConcurrentHashMap<>();

	/** One opted-in entity hierarchy, in foreign-key order. */
	public record RegionSpec(String rootEntityName, List<String> entityNames, long maxDelayMs, boolean versioned,
			java.util.Comparator<Object> versionComparator, ConflictPolicy conflictPolicy, ConflictResolver conflictResolver,
			boolean flushBeforeQueries, List<String> tables) {
	}

	/** The regions whose entities are stored in each table (query space), by table name as Hibernate names it. */
	private final Map<String, List<EntityRegion>> regionsByTable = new HashMap<>();

	private final SessionFactoryImplementor factory;
	private final String unitName;
	private final String logPrefix;
	private final WriteBehindConfig config;
	private final EntityCache cache;
	private final WriteQueue queue;
	private final Map<String, EntityRegion> regionByEntityName = new HashMap<>();
	private final FlushCounters counters = new FlushCounters();
	private final FailureHandling failures;
	private final Flusher flusher;
	private final FlushListeners listeners;
	private javax.management.ObjectName mbeanName;
	private Thread shutdownHook;
	private volatile boolean closed;

	public WriteBehindRuntime(SessionFactoryImplementor factory, String unitName, WriteBehindConfig config,
			List<RegionSpec> regions) {
		this.factory = factory;
		this.unitName = unitName;
		this.logPrefix = "[write-behind " + unitName + "] ";
		this.config = config;
		this.cache = new EntityCache( config.cacheMaximumSize );
		this.queue = new WriteQueue( config.flusherThreads, regions.size(), config.batchSize, config.queueCapacity, cache, config.ticker );
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
	}

	public static WriteBehindRuntime of(SessionFactory factory) {
		return RUNTIMES.get( factory );
	}

	public void start() {
		RUNTIMES.put( factory, this );
		if ( config.cluster.channel != io.writebehind.internal.config.ClusterConfig.Channel.NONE ) {
			coherence = new io.writebehind.cluster.internal.ClusterCoherence( factory, config.cluster, unitName,
					logPrefix, queue.regions() );
			coherence.start();
		}
		if ( config.journal.enabled() ) {
			// before the factory serves any session: the journal's writes are pending again, and read from the cache
			journal = io.writebehind.internal.journal.JournalSupport.start( factory, config.journal, logPrefix, unitName,
					regionByEntityName::get, queue::regions );
			flusher.journal( journal );
		}
		flusher.start();
		if ( config.jmxEnabled ) {
			mbeanName = JmxRegistration.register( this );
		}
		if ( config.flushOnShutdown ) {
			shutdownHook = new Thread( this::flushOnJvmExit, "write-behind-shutdown-" + unitName );
			Runtime.getRuntime().addShutdownHook( shutdownHook );
		}
	}

	/** The journal, or {@code null} when {@code journal.dir} is not set. */
	public io.writebehind.internal.journal.JournalSupport journal() {
		return journal;
	}

	private volatile io.writebehind.internal.journal.JournalSupport journal;

	/** Cross-node cache coherence; {@code null} with {@code cluster.channel=none}. */
	private volatile io.writebehind.cluster.internal.ClusterCoherence coherence;

	public io.writebehind.cluster.internal.ClusterCoherence coherence() {
		return coherence;
	}

	/** Tells the other nodes (if any) of a committed write of this node; never blocks. */
	public void announce(EntityRegion region, Object id, io.writebehind.internal.cache.EntitySnapshot state) {
		io.writebehind.cluster.internal.ClusterCoherence current = coherence;
		if ( current != null ) {
			current.announce( region, id, state );
		}
	}

	public String logPrefix() {
		return logPrefix;
	}

	/** The persistence unit's name. */
	public String unitName() {
		return unitName;
	}

	/** The name this unit's MBean is registered under; {@code null} when JMX is off or failed. */
	public javax.management.ObjectName mbeanName() {
		return mbeanName;
	}

	public void addListener(WriteBehindListener listener) {
		listeners.add( listener );
	}

	public boolean removeListener(WriteBehindListener listener) {
		return listeners.remove( listener );
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
	public void queueFull(java.util.Collection<EntityRegion> regionsOfTheCommit) {
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
	public java.util.Set<EntityRegion> regionsOfTables(java.util.Collection<String> tables) {
		if ( tables == null || tables.isEmpty() ) {
			return new java.util.LinkedHashSet<>( queue.regions() );
		}
		java.util.Set<EntityRegion> found = null;
		for ( String table : tables ) {
			List<EntityRegion> regions = regionsByTable.get( table );
			if ( regions != null ) {
				if ( found == null ) {
					found = new java.util.LinkedHashSet<>();
				}
				found.addAll( regions );
			}
		}
		return found == null ? java.util.Set.of() : found;
	}

	public WriteQueue queue() {
		return queue;
	}

	/** Blocks until every write committed before the call reached the database or failure handling. */
	public boolean flush(Duration timeout) {
		return flush( null, timeout );
	}

	/** As {@link #flush(Duration)}, for the writes of some regions only ({@code null}: all). */
	public boolean flush(java.util.Collection<EntityRegion> only, Duration timeout) {
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
		Map<String, WriteBehindStats.EntityStats> entities = new TreeMap<>();
		for ( EntityRegion region : queue.regions() ) {
			entities.put( region.entityName(), entityStats( region ) );
		}
		return new WriteBehindStats( queue.pending(), counters.flushed(), queue.coalesced(), counters.failed(),
				counters.conflicts(), counters.batches(), counters.retries(), counters.flushFailures(), cache.size(),
				Duration.ofNanos( queue.lagNanos() ), queue.queueFullRejections(), cacheHits(), cacheMisses(),
				Duration.ofNanos( counters.flushNanos() ), queue.isPaused(), entities, clusterStats(),
				Duration.ofNanos( counters.outageNanos() ), queue.capacity() );
	}

	/** The figures of the cross-node coherence; {@code null} with {@code cluster.channel=none}. */
	public WriteBehindStats.ClusterStats clusterStats() {
		io.writebehind.cluster.internal.ClusterCoherence c = coherence;
		if ( c == null ) {
			return null;
		}
		return new WriteBehindStats.ClusterStats( clusterChannel(), c.listening(), c.messagesSent(),
				c.messagesReceived(), c.idsEvicted(), c.gaps(), c.commitsRefused(), c.flushRequestsSent(),
				c.flushRequestsServed(), c.malformedMessages() );
	}

	/** {@code cluster.channel}: {@code none}, {@code postgresql} or {@code redis}. */
	public String clusterChannel() {
		return config.cluster.channel.name().toLowerCase( java.util.Locale.ROOT );
	}

	/** The figures of one region. */
	public WriteBehindStats.EntityStats entityStats(EntityRegion region) {
		var c = region.counters();
		return new WriteBehindStats.EntityStats( region.pendingCount(), Duration.ofNanos( queue.lagNanos( region ) ),
				c.flushed.sum(), c.coalesced.sum(), c.failed.sum(), c.conflicts.sum(), c.retries.sum(),
				c.queueFullRejections.sum(), c.cacheHits.sum(), c.cacheMisses.sum() );
	}

	/** Application reads of opted-in entities answered without SQL (pending write or cache), all regions. */
	public long cacheHits() {
		long sum = 0;
		for ( EntityRegion region : queue.regions() ) {
			sum += region.counters().cacheHits.sum();
		}
		return sum;
	}

	/** Application reads of opted-in entities that went to the database, all regions. */
	public long cacheMisses() {
		long sum = 0;
		for ( EntityRegion region : queue.regions() ) {
			sum += region.counters().cacheMisses.sum();
		}
		return sum;
	}

	public List<FailedWrite> failedWrites() {
		return failures.failedWrites();
	}

	public int discardFailed() {
		return failures.discardAll();
	}

	public int retryFailed() {
		return failures.replayAll();
	}

	public void keepFailed(FailedWrite write) {
		failures.keep( write );
	}

	public void failureHandler(WriteFailureHandler handler) {
		failures.handler( handler );
	}

	public boolean isClosed() {
		return closed;
	}

	/** Drains the queue (up to {@code shutdown_timeout_ms}), stops the flusher and forgets the factory. */
	public synchronized void close() {
		if ( closed ) {
			return;
		}
		if ( queue.isPaused() ) {
			// closing while paused: the pending writes would be lost, so they are written first
			LOG.resumedToClose( logPrefix, queue.pending() );
			queue.resume();
		}
		drainAndReport( "closing the EntityManagerFactory" );
		closed = true;
		flusher.stop( 5_000 );
		if ( coherence != null ) {
			coherence.close();
		}
		if ( journal != null ) {
			journal.close();
		}
		RUNTIMES.remove( factory );
		if ( mbeanName != null ) {
			JmxRegistration.unregister( mbeanName, logPrefix );
			mbeanName = null;
		}
		if ( shutdownHook != null ) {
			try {
				Runtime.getRuntime().removeShutdownHook( shutdownHook );
			}
			catch (IllegalStateException alreadyShuttingDown) {
				// the hook is running or has run
			}
		}
	}

	/**
	 * Whether the database is an embedded H2 file database: after the drain at JVM exit its data is forced to disk
	 * (CHECKPOINT), as H2 keeps the last commits in memory for up to WRITE_DELAY ms and nothing closes a database opened
	 * with DB_CLOSE_ON_EXIT=FALSE when the JVM exits.
	 */
	public void checkpointAtExit(boolean checkpoint) {
		this.checkpointAtExit = checkpoint;
	}

	private volatile boolean checkpointAtExit;

	private void flushOnJvmExit() {
		synchronized ( this ) {
			if ( closed ) {
				return;
			}
			if ( queue.isPaused() ) {
				LOG.resumedToClose( logPrefix, queue.pending() );
				queue.resume();
			}
			drainAndReport( "JVM shutdown" );
			if ( checkpointAtExit ) {
				checkpoint();
			}
		}
	}

	private void checkpoint() {
		try ( org.hibernate.StatelessSession session = factory.openStatelessSession() ) {
			session.doWork( connection -> {
				try ( java.sql.Statement statement = connection.createStatement() ) {
					statement.execute( "CHECKPOINT" );
				}
			} );
		}
		catch (RuntimeException e) {
			// the logging system may be shut down already: stderr is where the user sees it
			System.err.println( logPrefix + "Could not force the embedded H2 database to disk at JVM exit "
					+ "(CHECKPOINT): the last writes may be lost if H2 did not write them yet: " + e );
		}
	}

	private void drainAndReport(String why) {
		long pending = queue.pending();
		if ( pending == 0 ) {
			return;
		}
		LOG.drainingOnClose( logPrefix, pending, why, config.shutdownTimeoutMs );
		if ( !flush( Duration.ofMillis( config.shutdownTimeoutMs ) ) ) {
			Map<String, Integer> left = new TreeMap<>();
			for ( Partition partition : queue.partitions() ) {
				for ( PendingWrite write : partition.queuedWrites() ) {
					left.merge( write.region().entityName(), 1, Integer::sum );
				}
			}
			LOG.writesLeftOnClose( logPrefix, queue.pending(), why, config.shutdownTimeoutMs, left );
			if ( shutdownHook != null && Thread.currentThread() == shutdownHook ) {
				// at JVM exit the logging system shuts down too (JUL's LogManager resets its handlers in a shutdown
				// hook of its own), so the line above may reach no one: stderr as well
				System.err.println( LOG.writesLostAtExit( logPrefix, queue.pending(), WriteBehindSettings.SHUTDOWN_TIMEOUT_MS
						+ "=" + config.shutdownTimeoutMs + " ms ran out; the database may be down or closed", left ) );
				System.err.flush();
			}
		}
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
