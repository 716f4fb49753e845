package io.writebehind.cluster;

/**
 * A channel that carries cache-coherence messages between the application nodes that run one persistence unit on one
 * database (SPI). Write-behind publishes the ids that a node's commits changed; every other node evicts them from its
 * read cache. Messages never carry entity state.
 * <p>
 * Two implementations come with the library, chosen by {@code hibernate.writebehind.cluster.channel}: PostgreSQL
 * {@code LISTEN/NOTIFY} and Redis pub/sub. A channel is used by two threads: {@link #publish} is only ever called by
 * write-behind's own publisher thread (never by a committing application thread), and the channel calls its
 * {@link Listener} from a thread of its own.
 * <p>
 * A channel delivers at most once and may lose messages while it is down; it must then say so, by
 * {@link Listener#disconnected} when it notices, and {@link Listener#reconnected} once it listens again, so that the
 * node invalidates what it can no longer vouch for.
 */
public interface CoherenceChannel extends AutoCloseable {

	/** What a channel tells its node. Implementations must be quick: no blocking, no I/O. */
	interface Listener {

		/**
		 * A message of any node, this node's own included (write-behind ignores those by their origin). Write-behind's
		 * listener never throws, checks the signature ({@code cluster.secret}) and ignores (counts) what does not
		 * check out.
		 */
		void received(CoherenceMessage message);

		/**
		 * A message as the channel carried it, as text: channels that carry text hand it here undecoded (anyone who
		 * can publish on the channel can send anything). Write-behind's listener parses it, counts and ignores what is
		 * malformed, and never throws. The default decodes it and passes a well-formed message to
		 * {@link #received(CoherenceMessage)}.
		 */
		default void receivedText(String text) {
			CoherenceMessage message = CoherenceMessage.decode( text );
			if ( message != null ) {
				received( message );
			}
		}

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
	 * Sends a message to every node listening on the channel. Called by one thread only; may block for a short bounded
	 * time; throws when the message could not be handed to the server (write-behind then tells the other nodes to
	 * invalidate broadly once publishing works again).
	 */
	void publish(CoherenceMessage message) throws Exception;

	/** Largest encoded message, in UTF-8 bytes, the channel carries. */
	default int maxPayloadBytes() {
		return 7_900;
	}

	/** Stops listening and releases the connections; no listener call after it returns. */
	@Override
	void close();
}
