package io.writebehind.cluster;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.writebehind.WriteBehindConfigurationException;

/**
 * A coherence channel provider of the tests, found through {@code META-INF/services} as a user's would be
 * ({@code cluster.channel=test-memory}): the nodes of one JVM that name the same bus
 * ({@code hibernate.writebehind.cluster.test-memory.bus}, required) hear each other, each on a thread of its own.
 * {@code ...test-memory.max_bytes} sets the channel's payload limit, and every message it carries is checked
 * against it.
 */
public final class InMemoryChannelProvider implements CoherenceChannelProvider {

	public static final String NAME = "test-memory";
	public static final String PREFIX = "hibernate.writebehind.cluster." + NAME + ".";

	/** The channels listening, by bus. */
	private static final Map<String, List<InMemoryChannel>> BUSES = new ConcurrentHashMap<>();
	/** Messages longer than their channel's limit, by bus (none expected). */
	public static final Map<String, List<String>> OVERSIZED = new ConcurrentHashMap<>();

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public CoherenceChannel create(Context context) {
		Object bus = context.channelSettings().get( "bus" );
		if ( bus == null || bus.toString().isBlank() ) {
			throw new WriteBehindConfigurationException( PREFIX + "bus was " + ( bus == null ? "not set" : "blank" )
					+ ": name the bus the nodes share" );
		}
		Object maxBytes = context.channelSettings().getOrDefault( "max_bytes", "7900" );
		int limit;
		try {
			limit = Integer.parseInt( maxBytes.toString().trim() );
		}
		catch (NumberFormatException e) {
			throw new IllegalArgumentException( PREFIX + "max_bytes was '" + maxBytes + "', must be a number" );
		}
		return new InMemoryChannel( bus.toString() + "/" + context.channelName(), limit );
	}

	private static final class InMemoryChannel implements CoherenceChannel {
		private final String bus;
		private final int maxBytes;
		/** One thread: the listener is called in order, never by the publishing thread. */
		private final ExecutorService delivery = Executors.newSingleThreadExecutor( task -> {
			Thread thread = new Thread( task, "test-memory-channel" );
			thread.setDaemon( true );
			return thread;
		} );
		private volatile Listener listener;

		InMemoryChannel(String bus, int maxBytes) {
			this.bus = bus;
			this.maxBytes = maxBytes;
		}

		@Override
		public void start(Listener listener) {
			this.listener = listener;
			BUSES.computeIfAbsent( bus, b -> new CopyOnWriteArrayList<>() ).add( this );
			delivery.execute( listener::reconnected );
		}

		@Override
		public void publish(String message) {
			if ( message.getBytes( java.nio.charset.StandardCharsets.UTF_8 ).length > maxBytes ) {
				OVERSIZED.computeIfAbsent( bus, b -> new CopyOnWriteArrayList<>() ).add( message );
			}
			for ( InMemoryChannel channel : BUSES.getOrDefault( bus, List.of() ) ) {
				try {
					channel.delivery.execute( () -> channel.listener.received( message ) );
				}
				catch (RejectedExecutionException closing) {
					// that node is closing
				}
			}
		}

		@Override
		public int maxPayloadBytes() {
			return maxBytes;
		}

		@Override
		public String description() {
			return "in-memory bus " + bus;
		}

		@Override
		public void close() {
			BUSES.getOrDefault( bus, List.of() ).remove( this );
			delivery.shutdownNow();
			try {
				delivery.awaitTermination( 5, TimeUnit.SECONDS );
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
	}
}
