package io.writebehind.internal;

import io.writebehind.internal.common.WriteBehindLogger;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindStats;
import io.writebehind.WriteBehindStats.ClusterStats;
import io.writebehind.jmx.WriteBehindMBean;

/**
 * The {@link WriteBehindMBean} of a unit, on its public {@link WriteBehind} handle and {@link WriteBehindStats} only;
 * registers and unregisters it with the platform MBean server. Holds no state of its own.
 */
final class JmxRegistration implements WriteBehindMBean {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( WriteBehindRuntime.class );
	private static final AtomicLong IDS = new AtomicLong();

	private final WriteBehind writeBehind;
	private final String unitName;

	private JmxRegistration(WriteBehind writeBehind, String unitName) {
		this.writeBehind = writeBehind;
		this.unitName = unitName;
	}

	/** Registers the unit's MBean; returns its name, or {@code null} (logged) when that failed. */
	static ObjectName register(WriteBehind writeBehind, String unitName, String logPrefix) {
		try {
			MBeanServer server = ManagementFactory.getPlatformMBeanServer();
			StandardMBean mbean = new StandardMBean( new JmxRegistration( writeBehind, unitName ), WriteBehindMBean.class );
			String base = "io.writebehind:type=WriteBehind,unit=" + ObjectName.quote( unitName );
			ObjectName name = new ObjectName( base );
			while ( true ) {
				try {
					server.registerMBean( mbean, name );
					LOG.jmxRegistered( logPrefix, name );
					return name;
				}
				catch (InstanceAlreadyExistsException taken) {
					// another factory of the same unit name: never collide, add an id
					name = new ObjectName( base + ",id=" + IDS.incrementAndGet() );
				}
			}
		}
		catch (Exception | LinkageError e) {
			LOG.jmxRegistrationFailed( logPrefix, e );
			return null;
		}
	}

	static void unregister(ObjectName name, String logPrefix) {
		try {
			ManagementFactory.getPlatformMBeanServer().unregisterMBean( name );
		}
		catch (Exception e) {
			LOG.jmxRegistrationFailed( logPrefix, e );
		}
	}

	private WriteBehindStats stats() {
		return writeBehind.stats();
	}

	private long cluster(ToLongFunction<ClusterStats> figure) {
		ClusterStats cluster = stats().cluster();
		return cluster == null ? 0 : figure.applyAsLong( cluster );
	}

	@Override
	public String getPersistenceUnit() {
		return unitName;
	}

	@Override
	public long getPending() {
		return stats().pending();
	}

	@Override
	public long getLagMillis() {
		return stats().lag().toMillis();
	}

	@Override
	public long getFlushed() {
		return stats().flushed();
	}

	@Override
	public long getCoalesced() {
		return stats().coalesced();
	}

	@Override
	public long getFailed() {
		return stats().failed();
	}

	@Override
	public long getConflicts() {
		return stats().conflicts();
	}

	@Override
	public long getRetries() {
		return stats().retries();
	}

	@Override
	public long getFlushFailures() {
		return stats().flushFailures();
	}

	@Override
	public long getBatches() {
		return stats().batches();
	}

	@Override
	public long getFlushTimeMillis() {
		return stats().flushTime().toMillis();
	}

	@Override
	public long getQueueFullRejections() {
		return stats().queueFullRejections();
	}

	@Override
	public long getQueueRemainingCapacity() {
		return stats().queueRemainingCapacity();
	}

	@Override
	public long getCacheHits() {
		return stats().cacheHits();
	}

	@Override
	public long getCacheMisses() {
		return stats().cacheMisses();
	}

	@Override
	public long getCacheSize() {
		return stats().cacheSize();
	}

	@Override
	public int getFailedWriteCount() {
		return writeBehind.failedWrites().size();
	}

	@Override
	public boolean isPaused() {
		return writeBehind.isPaused();
	}

	@Override
	public Map<String, Long> getPendingByEntity() {
		Map<String, Long> result = new TreeMap<>();
		stats().entities().forEach( (name, entity) -> result.put( name, entity.pending() ) );
		return result;
	}

	@Override
	public Map<String, Long> getLagMillisByEntity() {
		Map<String, Long> result = new TreeMap<>();
		stats().entities().forEach( (name, entity) -> result.put( name, entity.lag().toMillis() ) );
		return result;
	}

	@Override
	public long getJournalAppendFailures() {
		WriteBehindStats.JournalStats journal = stats().journal();
		return journal == null ? 0 : journal.appendFailures();
	}

	@Override
	public boolean isJournalFailing() {
		WriteBehindStats.JournalStats journal = stats().journal();
		return journal != null && journal.failing();
	}

	@Override
	public String getClusterChannel() {
		ClusterStats cluster = stats().cluster();
		return cluster == null ? "none" : cluster.channel();
	}

	@Override
	public boolean isClusterListening() {
		ClusterStats cluster = stats().cluster();
		return cluster != null && cluster.listening();
	}

	@Override
	public long getClusterMessagesSent() {
		return cluster( ClusterStats::messagesSent );
	}

	@Override
	public long getClusterMessagesReceived() {
		return cluster( ClusterStats::messagesReceived );
	}

	@Override
	public long getClusterIdsEvicted() {
		return cluster( ClusterStats::idsEvicted );
	}

	@Override
	public long getClusterGaps() {
		return cluster( ClusterStats::gaps );
	}

	@Override
	public long getClusterCommitsRefused() {
		return cluster( ClusterStats::commitsRefused );
	}

	@Override
	public long getClusterFlushRequestsSent() {
		return cluster( ClusterStats::flushRequestsSent );
	}

	@Override
	public long getClusterFlushRequestsServed() {
		return cluster( ClusterStats::flushRequestsServed );
	}

	@Override
	public long getClusterMalformedMessages() {
		return cluster( ClusterStats::malformedMessages );
	}

	@Override
	public long getClusterLeasesAcquired() {
		return cluster( ClusterStats::leasesAcquired );
	}

	@Override
	public long getClusterLeasesRenewed() {
		return cluster( ClusterStats::leasesRenewed );
	}

	@Override
	public long getClusterLeaseHandOvers() {
		return cluster( ClusterStats::leaseHandOvers );
	}

	@Override
	public boolean flush(long timeoutMillis) {
		return writeBehind.flush( Duration.ofMillis( Math.max( 0, timeoutMillis ) ) );
	}

	@Override
	public int retryFailed() {
		return writeBehind.retryFailed();
	}

	@Override
	public int discardFailed() {
		return writeBehind.discardFailed();
	}

	@Override
	public void pause() {
		writeBehind.pause();
	}

	@Override
	public void resume() {
		writeBehind.resume();
	}
}
