package io.writebehind.cluster.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.writebehind.cluster.CoherenceChannel;
import io.writebehind.cluster.internal.CoherenceMessage.Change;
import io.writebehind.cluster.internal.CoherenceMessage.MalformedMessageException;
import io.writebehind.internal.common.WriteBehindLogger;

/**
 * What the channel tells this node, handled on the channel's thread: another node's messages (evict the ids it
 * changed, remember its versions, write pending writes it asks for early), and the channel's losses and returns
 * (while it does not listen, nothing read is cached, and every clean entry is evicted each way). Anyone who can
 * publish on the channel can send anything: a message is parsed strictly and its signature checked, and what does not
 * check out is counted and logged at most once per {@link #MALFORMED_LOG_INTERVAL_NANOS}. Never throws.
 */
final class CoherenceReceiver implements CoherenceChannel.Listener {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( CoherenceReceiver.class );
	/** Malformed or unsigned messages are logged at most once per this interval (with their count). */
	static final long MALFORMED_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos( 1 );

	private final String nodeId;
	private final String logPrefix;
	private final CoherentEntities entities;
	/** {@code null} without {@code cluster.secret}. */
	private final MessageSigner signer;
	private final CoherenceCounters counters;
	/** The channel, as log lines name it. */
	private final String channelDescription;
	/** Set by the closing thread, read by the channel's thread. */
	/** {@code null} unless {@code cluster.version_check=lease}. */
	private volatile Leases leases;
	private volatile boolean closed;
	/** Written by the channel's thread, read by any. */
	private volatile boolean listening;
	/** Channel thread only (volatile: a reconnecting channel may call from a new thread). */
	private volatile boolean everListened;
	/** Malformed messages not logged yet (channel and publisher threads). */
	private final AtomicLong malformedUnlogged = new AtomicLong();
	/** The latest malformed message's problem (written by the channel thread, read by the publisher thread). */
	private volatile String latestMalformed;
	/** When the last line was logged ({@link System#nanoTime()}); compare-and-set by whoever logs. */
	private final AtomicLong malformedLoggedAt = new AtomicLong( System.nanoTime() - MALFORMED_LOG_INTERVAL_NANOS );

	CoherenceReceiver(String nodeId, String logPrefix, CoherentEntities entities, MessageSigner signer,
			CoherenceCounters counters, String channelDescription) {
		this.nodeId = nodeId;
		this.logPrefix = logPrefix;
		this.entities = entities;
		this.signer = signer;
		this.counters = counters;
		this.channelDescription = channelDescription;
	}

	/** Whether the channel listens now (messages of other nodes are being received). */
	boolean listening() {
		return listening;
	}

	void close() {
		closed = true;
	}

	/** {@code cluster.version_check=lease}: where lease requests and notices go; before the channel starts. */
	void leases(Leases leases) {
		this.leases = leases;
	}

	@Override
	public void received(String text) {
		CoherenceMessage message;
		try {
			message = CoherenceMessage.parse( text );
		}
		catch (MalformedMessageException e) {
			malformed( e.getMessage() );
			return;
		}
		received( message );
	}

	/** A parsed message. Never throws: anyone who can publish on the channel can send anything. */
	void received(CoherenceMessage message) {
		if ( closed ) {
			return;
		}
		if ( signer != null ) {
			String problem = signer.problem( message );
			if ( problem != null ) {
				malformed( problem );
				return;
			}
		}
		if ( nodeId.equals( message.origin() ) ) {
			return;
		}
		try {
			handle( message );
		}
		catch (RuntimeException e) {
			malformed( "handling it failed: " + e.getClass().getName() );
		}
		finally {
			counters.received.incrementAndGet(); // once handled: a test that sees the count sees the evictions
		}
	}

	/** Counts a message that was ignored, and logs (at most once per interval, with the count since the last line). */
	private void malformed(String problem) {
		counters.malformed.incrementAndGet();
		malformedUnlogged.incrementAndGet();
		latestMalformed = problem;
		logMalformed();
	}

	/** Logs the malformed messages not logged yet, unless a line was logged less than an interval ago (any thread). */
	void logMalformed() {
		long last = malformedLoggedAt.get();
		long now = System.nanoTime();
		if ( now - last < MALFORMED_LOG_INTERVAL_NANOS || malformedUnlogged.get() == 0
				|| !malformedLoggedAt.compareAndSet( last, now ) ) {
			return;
		}
		long count = malformedUnlogged.getAndSet( 0 );
		if ( count > 0 ) {
			LOG.malformedMessages( logPrefix, count, channelDescription, latestMalformed );
		}
	}

	private void handle(CoherenceMessage message) {
		switch ( message.kind() ) {
			case FLUSH_ALL -> {
				LOG.otherNodeLostMessages( logPrefix, message.origin() );
				entities.evictAll();
			}
			case FLUSH_REQUEST -> {
				CoherentEntity entity = entities.named( message.entity() );
				if ( entity == null || entity.idType() == null ) {
					return;
				}
				for ( Change change : message.changes() ) {
					try {
						if ( entity.flushSoon( entity.id( change.id() ) ) ) {
							counters.flushRequestsServed.incrementAndGet();
						}
					}
					catch (RuntimeException e) {
						// an id this node cannot read: it is not one of its pending writes either
					}
				}
			}
			case LEASE_REQUEST, LEASE_GRANTED -> {
				Leases leases = this.leases;
				CoherentEntity entity = entities.named( message.entity() );
				if ( leases == null || entity == null ) {
					return;
				}
				for ( Change change : message.changes() ) {
					if ( message.kind() == CoherenceMessage.Kind.LEASE_REQUEST ) {
						leases.requested( entity, change.id(), message.origin() );
					}
					else {
						leases.granted( entity, change.id(), change.version() );
					}
				}
			}
			case FLUSH_REGION -> {
				CoherentEntity entity = entities.named( message.entity() );
				if ( entity != null ) {
					entity.evictAll();
				}
			}
			case WRITES -> {
				CoherentEntity entity = entities.named( message.entity() );
				if ( entity == null ) {
					return; // not opted in on this node
				}
				for ( Change change : message.changes() ) {
					Object id;
					Object version;
					try {
						id = entity.id( change.id() );
						version = entity.version( change.version() );
					}
					catch (RuntimeException e) {
						entity.evictAll();
						continue;
					}
					entity.writtenElsewhere( id, version, change.removed() );
					counters.evicted.incrementAndGet();
				}
			}
		}
	}

	@Override
	public void disconnected(String reason) {
		if ( closed ) {
			return;
		}
		Leases leases = this.leases;
		if ( leases != null ) {
			leases.hearing( false );
		}
		entities.cacheLoads( false );
		entities.evictAll();
		// last: whoever sees "not listening" (stats, health, metrics) finds the clean entries evicted already
		listening = false;
		LOG.channelLost( logPrefix, reason );
	}

	@Override
	public void reconnected() {
		if ( closed ) {
			return;
		}
		entities.evictAll();
		entities.cacheLoads( true );
		listening = true;
		Leases leases = this.leases;
		if ( leases != null ) {
			leases.hearing( true );
		}
		if ( everListened ) {
			counters.gaps.incrementAndGet();
			LOG.listeningAgain( logPrefix, channelDescription );
		}
		everListened = true;
	}
}
