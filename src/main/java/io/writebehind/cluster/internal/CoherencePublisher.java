package io.writebehind.cluster.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.writebehind.cluster.CoherenceChannel;
import io.writebehind.cluster.internal.Announcement.Committed;
import io.writebehind.cluster.internal.Announcement.Dropped;
import io.writebehind.cluster.internal.Announcement.FlushRequest;
import io.writebehind.cluster.internal.Announcement.LeaseGranted;
import io.writebehind.cluster.internal.Announcement.LeaseRequest;
import io.writebehind.cluster.internal.Announcement.Rebased;
import io.writebehind.cluster.internal.CoherenceMessage.Change;
import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.cache.EntitySnapshot;

/**
 * Tells the other nodes what this node's commits and flushes changed. Never blocks a commit: the committing (or
 * flusher) thread offers an {@link Announcement} to a bounded queue, and the publisher thread drains it into messages
 * (batched per entity, under the channel's payload limit) and publishes them. When the queue overflows, or the channel
 * cannot publish, the ids are lost for the other nodes, so they are told to evict everything ({@code FLUSH_ALL}) as
 * soon as a message goes through again. The publisher thread also runs the node's periodic maintenance, once a second.
 */
final class CoherencePublisher {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( CoherencePublisher.class );
	static final int QUEUE_CAPACITY = 65_536;
	private static final int DRAIN_MAX = 4_096;
	private static final long MAINTENANCE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos( 1 );
	private static final long MAX_BACKOFF_MS = 5_000;

	private final String nodeId;
	private final String logPrefix;
	private final CoherenceChannel channel;
	private final CoherentEntities entities;
	/** {@code null} without {@code cluster.secret}. */
	private final MessageSigner signer;
	private final CoherenceCounters counters;
	/** Told of each drained batch before its messages go out (the ledger's rewrites); publisher thread. */
	private final Consumer<List<Announcement>> beforePublishing;
	/** Run about once a second on the publisher thread. */
	private final Runnable maintenance;
	/** Thread-safe; offered to by committing and flusher threads, drained by the publisher thread. */
	private final ArrayBlockingQueue<Announcement> queue = new ArrayBlockingQueue<>( QUEUE_CAPACITY );
	/** Set by any thread whose offer failed, cleared by the publisher thread. */
	private final AtomicBoolean overflowed = new AtomicBoolean();
	private final Thread thread;
	/** Set by the closing thread, read by the publisher thread. */
	private volatile boolean closed;

	CoherencePublisher(String nodeId, String unitName, String logPrefix, CoherenceChannel channel,
			CoherentEntities entities, MessageSigner signer, CoherenceCounters counters,
			Consumer<List<Announcement>> beforePublishing, Runnable maintenance) {
		this.nodeId = nodeId;
		this.logPrefix = logPrefix;
		this.channel = channel;
		this.entities = entities;
		this.signer = signer;
		this.counters = counters;
		this.beforePublishing = beforePublishing;
		this.maintenance = maintenance;
		this.thread = new Thread( this::run, "write-behind-coherence-" + unitName );
		thread.setDaemon( true );
	}

	void start() {
		thread.start();
	}

	/** Queues an announcement (any thread; never blocks): a full queue turns into a "flush all" message. */
	boolean offer(Announcement announcement) {
		if ( queue.offer( announcement ) ) {
			return true;
		}
		overflowed.set( true );
		return false;
	}

	/** Sends what is queued (up to 2 s), then returns; the channel is closed by the caller. */
	void close() {
		closed = true;
		try {
			thread.join( 2_000 ); // it sends what is queued, then ends
			if ( thread.isAlive() ) {
				thread.interrupt();
				thread.join( 1_000 );
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	// ---------------------------------------------------------------- publisher thread

	/** The publisher thread's loop; its locals are its state. */
	private void run() {
		boolean flushAllOwed = false;
		boolean failing = false;
		long backoff = 100;
		long nextMaintenance = System.nanoTime();
		while ( !closed || !queue.isEmpty() ) {
			Announcement first;
			try {
				first = queue.poll( 200, TimeUnit.MILLISECONDS );
			}
			catch (InterruptedException e) {
				if ( closed ) {
					first = queue.poll();
				}
				else {
					continue;
				}
			}
			if ( overflowed.getAndSet( false ) ) {
				LOG.coherenceQueueOverflowed( logPrefix, QUEUE_CAPACITY );
				queue.clear();
				first = null;
				flushAllOwed = true;
			}
			List<CoherenceMessage> messages = new ArrayList<>();
			if ( flushAllOwed ) {
				messages.add( CoherenceMessage.flushAll( nodeId ) );
			}
			if ( first != null ) {
				List<Announcement> batch = new ArrayList<>();
				batch.add( first );
				queue.drainTo( batch, DRAIN_MAX );
				beforePublishing.accept( batch );
				if ( !flushAllOwed ) {
					messages.addAll( messagesOf( batch ) );
				}
			}
			for ( CoherenceMessage message : messages ) {
				try {
					channel.publish( ( signer == null ? message : signer.sign( message ) ).encode() );
					counters.sent.incrementAndGet();
					if ( message.kind() == CoherenceMessage.Kind.FLUSH_ALL ) {
						flushAllOwed = false;
					}
					if ( failing ) {
						LOG.publishingAgain( logPrefix, channel.description() );
						failing = false;
					}
					backoff = 100;
				}
				catch (Exception e) {
					// what is not sent is lost for the other nodes: they must evict broadly once it works again
					flushAllOwed = true;
					if ( !failing ) {
						LOG.cannotPublish( logPrefix, channel.description(), e.toString() );
						failing = true;
					}
					if ( !closed ) {
						pause( backoff );
						backoff = Math.min( backoff * 2, MAX_BACKOFF_MS );
					}
					break;
				}
			}
			if ( System.nanoTime() - nextMaintenance > 0 ) {
				nextMaintenance = System.nanoTime() + MAINTENANCE_INTERVAL_NANOS;
				maintenance.run();
			}
			if ( closed && failing ) {
				return;
			}
		}
	}

	private static void pause(long millis) {
		try {
			Thread.sleep( millis );
		}
		catch (InterruptedException interrupted) {
			// closing
		}
	}

	/** The messages of a batch: per entity its changes, an entity whose ids cannot travel as a whole, then flush requests. */
	private List<CoherenceMessage> messagesOf(List<Announcement> batch) {
		Map<CoherentEntity, List<Change>> changes = new LinkedHashMap<>();
		Map<CoherentEntity, Set<String>> requests = new LinkedHashMap<>();
		Set<CoherentEntity> whole = new LinkedHashSet<>();
		Map<CoherentEntity, List<Change>> leaseRequests = new LinkedHashMap<>();
		Map<CoherentEntity, List<Change>> leasesGranted = new LinkedHashMap<>();
		for ( Announcement announcement : batch ) {
			CoherentEntity entity = entities.of( announcement.region() );
			if ( entity == null ) {
				continue;
			}
			if ( announcement instanceof LeaseRequest request ) {
				leaseRequests.computeIfAbsent( entity, e -> new ArrayList<>() ).add( Change.of( request.id().toString() ) );
				continue;
			}
			if ( announcement instanceof LeaseGranted granted ) {
				leasesGranted.computeIfAbsent( entity, e -> new ArrayList<>() ).add(
						new Change( granted.id().toString(), granted.to(), false ) );
				continue;
			}
			if ( announcement instanceof FlushRequest request ) {
				entity.idText( request.id() ).ifPresent( id -> requests.computeIfAbsent( entity,
						e -> new LinkedHashSet<>() ).add( id ) );
				continue;
			}
			if ( whole.contains( entity ) ) {
				continue;
			}
			Optional<Change> change = change( entity, announcement );
			if ( change.isEmpty() ) {
				whole.add( entity );
				changes.remove( entity );
			}
			else {
				changes.computeIfAbsent( entity, e -> new ArrayList<>() ).add( change.get() );
			}
		}
		List<CoherenceMessage> messages = new ArrayList<>();
		for ( CoherentEntity entity : whole ) {
			messages.add( CoherenceMessage.flushRegion( nodeId, entity.name() ) );
		}
		// what a receiver parses at most, and room for the signature
		int limit = Math.min( channel.maxPayloadBytes(), CoherenceMessage.MAX_TEXT_LENGTH )
				- ( signer == null ? 0 : MessageSigner.SIGNATURE_CHARS );
		changes.forEach( (entity, list) -> messages.addAll(
				CoherenceMessage.split( nodeId, CoherenceMessage.Kind.WRITES, entity.name(), list, limit ) ) );
		// flush requests after the writes (the refused commits of one drain)
		requests.forEach( (entity, ids) -> messages.addAll( CoherenceMessage.split( nodeId,
				CoherenceMessage.Kind.FLUSH_REQUEST, entity.name(), ids.stream().map( Change::of ).toList(), limit ) ) );
		// lease messages last: a hand-over is told after the writes committed before it
		leaseRequests.forEach( (entity, buckets) -> messages.addAll( CoherenceMessage.split( nodeId,
				CoherenceMessage.Kind.LEASE_REQUEST, entity.name(), buckets, limit ) ) );
		leasesGranted.forEach( (entity, buckets) -> messages.addAll( CoherenceMessage.split( nodeId,
				CoherenceMessage.Kind.LEASE_GRANTED, entity.name(), buckets, limit ) ) );
		return messages;
	}

	/** The change a commit, re-base or drop makes known; empty when its id cannot travel as text. */
	private static Optional<Change> change(CoherentEntity entity, Announcement announcement) {
		try {
			Optional<String> id = entity.idText( announcement.id() );
			if ( id.isEmpty() || announcement instanceof Dropped ) {
				return id.map( Change::of );
			}
			EntitySnapshot state = announcement instanceof Committed commit ? commit.state()
					: ( (Rebased) announcement ).written();
			boolean removed = state != null && state.isDeleted();
			Object version = state == null || removed ? null : state.version();
			return Optional.of( new Change( id.get(), entity.versionText( version ), removed ) );
		}
		catch (RuntimeException e) {
			return Optional.empty();
		}
	}
}
