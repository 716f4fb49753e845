package io.writebehind.internal;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import io.writebehind.WriteBehindStats;
import io.writebehind.cluster.internal.ClusterCoherence;
import io.writebehind.jmx.WriteBehindMBean;
import io.writebehind.internal.queue.EntityRegion;

/** Registers and unregisters the {@link WriteBehindMBean} of a runtime with the platform MBean server. */
final class JmxRegistration implements WriteBehindMBean {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( WriteBehindRuntime.class );
	private static final AtomicLong IDS = new AtomicLong();

	private final WriteBehindRuntime runtime;

	private JmxRegistration(WriteBehindRuntime runtime) {
		this.runtime = runtime;
	}

	/** Registers the runtime's MBean; returns its name, or {@code null} (logged) when that failed. */
	static ObjectName register(WriteBehindRuntime runtime) {
		try {
			MBeanServer server = ManagementFactory.getPlatformMBeanServer();
			StandardMBean mbean = new StandardMBean( new JmxRegistration( runtime ), WriteBehindMBean.class );
			String base = "io.writebehind:type=WriteBehind,unit=" + ObjectName.quote( runtime.unitName() );
			ObjectName name = new ObjectName( base );
			while ( true ) {
				try {
					server.registerMBean( mbean, name );
					LOG.jmxRegistered( runtime.logPrefix(), name );
					return name;
				}
				catch (InstanceAlreadyExistsException taken) {
					// another factory of the same unit name: never collide, add an id
					name = new ObjectName( base + ",id=" + IDS.incrementAndGet() );
				}
			}
		}
		catch (Exception | LinkageError e) {
			LOG.jmxRegistrationFailed( runtime.logPrefix(), e );
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
		return runtime.stats();
	}

	@Override
	public String getPersistenceUnit() {
		return runtime.unitName();
	}

	@Override
	public long getPending() {
		return runtime.queue().pending();
	}

	@Override
	public long getLagMillis() {
		return runtime.queue().lagNanos() / 1_000_000;
	}

	@Override
	public long getFlushed() {
		return runtime.counters().flushed();
	}

	@Override
	public long getCoalesced() {
		return runtime.queue().coalesced();
	}

	@Override
	public long getFailed() {
		return runtime.counters().failed();
	}

	@Override
	public long getConflicts() {
		return runtime.counters().conflicts();
	}

	@Override
	public long getRetries() {
		return runtime.counters().retries();
	}

	@Override
	public long getFlushFailures() {
		return runtime.counters().flushFailures();
	}

	@Override
	public long getBatches() {
		return runtime.counters().batches();
	}

	@Override
	public long getFlushTimeMillis() {
		return runtime.counters().flushNanos() / 1_000_000;
	}

	@Override
	public long getQueueFullRejections() {
		return runtime.queue().queueFullRejections();
	}

	@Override
	public long getQueueRemainingCapacity() {
		return runtime.queue().remainingCapacity();
	}

	@Override
	public long getCacheHits() {
		return runtime.cacheHits();
	}

	@Override
	public long getCacheMisses() {
		return runtime.cacheMisses();
	}

	@Override
	public long getCacheSize() {
		return runtime.cache().size();
	}

	@Override
	public int getFailedWriteCount() {
		return runtime.failedWrites().size();
	}

	@Override
	public boolean isPaused() {
		return runtime.isPaused();
	}

	@Override
	public Map<String, Long> getPendingByEntity() {
		Map<String, Long> result = new TreeMap<>();
		for ( EntityRegion region : runtime.regions() ) {
			result.put( region.entityName(), (long) region.pendingCount() );
		}
		return result;
	}

	@Override
	public Map<String, Long> getLagMillisByEntity() {
		Map<String, Long> result = new TreeMap<>();
		for ( EntityRegion region : runtime.regions() ) {
			result.put( region.entityName(), runtime.queue().lagNanos( region ) / 1_000_000 );
		}
		return result;
	}

	@Override
	public String getClusterChannel() {
		return runtime.clusterChannel();
	}

	@Override
	public boolean isClusterListening() {
		ClusterCoherence c = runtime.coherence();
		return c != null && c.listening();
	}

	@Override
	public long getClusterMessagesSent() {
		ClusterCoherence c = runtime.coherence();
		return c == null ? 0 : c.messagesSent();
	}

	@Override
	public long getClusterMessagesReceived() {
		ClusterCoherence c = runtime.coherence();
		return c == null ? 0 : c.messagesReceived();
	}

	@Override
	public long getClusterIdsEvicted() {
		ClusterCoherence c = runtime.coherence();
		return c == null ? 0 : c.idsEvicted();
	}

	@Override
	public long getClusterGaps() {
		ClusterCoherence c = runtime.coherence();
		return c == null ? 0 : c.gaps();
	}

	@Override
	public long getClusterCommitsRefused() {
		ClusterCoherence c = runtime.coherence();
		return c == null ? 0 : c.commitsRefused();
	}

	@Override
	public long getClusterFlushRequestsSent() {
		ClusterCoherence c = runtime.coherence();
		return c == null ? 0 : c.flushRequestsSent();
	}

	@Override
	public long getClusterFlushRequestsServed() {
		ClusterCoherence c = runtime.coherence();
		return c == null ? 0 : c.flushRequestsServed();
	}

	@Override
	public long getClusterMalformedMessages() {
		ClusterCoherence c = runtime.coherence();
		return c == null ? 0 : c.malformedMessages();
	}

	@Override
	public boolean flush(long timeoutMillis) {
		try {
			return runtime.flush( Duration.ofMillis( Math.max( 0, timeoutMillis ) ) );
		}
		catch (WriteBehindRuntime.PausedException paused) {
			return false;
		}
	}

	@Override
	public int retryFailed() {
		return runtime.retryFailed();
	}

	@Override
	public int discardFailed() {
		return runtime.discardFailed();
	}

	@Override
	public void pause() {
		runtime.pause();
	}

	@Override
	public void resume() {
		runtime.resume();
	}

	@Override
	public String toString() {
		return "WriteBehindMBean[" + runtime.unitName() + ", " + stats() + "]";
	}
}
