package io.writebehind.cluster;

/**
 * A channel that carries cache-coherence messages between the application nodes that run one persistence unit on one
 * database (SPI). Write-behind publishes the ids that a node's commits changed; every other node evicts them from its
 * read cache. Messages are short lines of text, never entity state; write-behind encodes, signs
 * ({@code cluster.secret}) and parses them: a channel only carries them.
 * <p>
 * Two implementations come with the library ({@code postgresql}: {@code LISTEN/NOTIFY}, {@code redis}: pub/sub);
 * others plug in through a {@link CoherenceChannelProvider}, chosen by its name in
 * {@code hibernate.writebehind.cluster.channel}. A channel is used by two threads: {@link #publish} is only ever called
 * by write-behind's own publisher thread (never by a committing application thread), and the channel calls its
 * {@link Listener} from a thread of its own.
 * <p>
 * A channel delivers at most once and may lose messages while it is down; it must then say so, by
 * {@link Listener#disconnected} when it notices, and {@link Listener#reconnected} once it listens again, so that the
 * node invalidates what it can no longer vouch for. Until the first {@link Listener#reconnected} the node caches
 * nothing it reads.
 */
public interface CoherenceChannel extends AutoCloseable {

	/** What a channel tells its node. Implementations must be quick: no blocking, no I/O. */
	interface Listener {

		/**
		 * A message as the channel carried it, from any node, this node's own included (write-behind ignores those by
		 * their origin). Anyone who can publish on the channel can send anything: write-behind parses the text
		 * strictly, checks its signature ({@code cluster.secret}), counts and ignores what does not check out, and
		 * never throws.
		 */
		void received(String message);

		/** The channel lost its connection: messages published from now on may be missed. */
		void disconnected(String reason);

		/**
		 * The channel listens (again): called after the first connection and after every reconnection, once messages
		 * are delivered again. Messages sent while it was down were missed.
		 */
		void reconnected();
	}

	/** Connects (or starts connecting, in the background) and delivers messages to the listener from then on. */
	void start(Listener listener);

	/**
	 * Sends a message (one line of text, at most {@link #maxPayloadBytes()} in UTF-8) to every node listening on the
	 * channel. Called by one thread only; may block for a short bounded time; throws when the message could not be
	 * handed to the server (write-behind then tells the other nodes to invalidate broadly once publishing works again).
	 */
	void publish(String message) throws Exception;

	/** Largest message, in UTF-8 bytes, the channel carries (write-behind never sends more than 65,536 characters). */
	default int maxPayloadBytes() {
		return 7_900;
	}

	/**
	 * What the log lines call the channel, e.g. {@code "NATS subject orders at nats://host:4222"}; never with a
	 * password or token in it.
	 */
	default String description() {
		return getClass().getName();
	}

	/** Stops listening and releases the connections; no listener call after it returns. */
	@Override
	void close();
}
