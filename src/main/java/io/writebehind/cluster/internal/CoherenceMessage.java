package io.writebehind.cluster.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.writebehind.cluster.CoherenceChannel;

/**
 * One cache-coherence message: the origin node and what changed, never entity state. It travels as one line of text
 * ({@link MessageCodec}), so that it fits any channel (PostgreSQL {@code NOTIFY} payloads are text of less than 8000
 * bytes): {@code wb1|origin|W|entity|id~version,id~version,...}, where ids and versions are the string forms of
 * Hibernate's Java types of the entity's identifier and version (converted back on the receiving node). With
 * {@code cluster.secret}, a sixth field carries the signature: {@code ...|<base64url HMAC-SHA256 of the text before it>}.
 * <p>
 * Anyone who can publish on the channel can send any text: {@link #parse(String)} refuses what is not a well-formed
 * message with {@link MalformedMessageException} (and nothing else), in time and memory linear in the text, and
 * refuses texts over {@link #MAX_TEXT_LENGTH} characters at once.
 *
 * @param origin the node that sent it (a random id per {@code EntityManagerFactory})
 * @param kind what the receivers do
 * @param entity the root entity name of the hierarchy ({@code null} for {@link Kind#FLUSH_ALL})
 * @param changes the changed ids, for {@link Kind#WRITES}; the ids asked for, for {@link Kind#FLUSH_REQUEST};
 * empty otherwise
 * @param signature the sender's signature of the other fields ({@code cluster.secret}), {@code null} when unsigned
 */
public record CoherenceMessage(String origin, Kind kind, String entity, List<Change> changes, String signature) {

	/**
	 * The longest text {@link #parse(String)} reads, in characters (the built-in channels carry less than 8,000 bytes;
	 * write-behind never sends more, whatever a channel's {@link CoherenceChannel#maxPayloadBytes()}).
	 */
	public static final int MAX_TEXT_LENGTH = 65_536;

	/** A text that is not a well-formed coherence message; the message says what is wrong, never quotes the text. */
	public static final class MalformedMessageException extends IllegalArgumentException {
		private static final long serialVersionUID = 1L;

		MalformedMessageException(String reason) {
			super( reason );
		}
	}

	/** What the receivers of a message do. */
	public enum Kind {
		/** Evict the listed ids of the entity (and never serve or cache an older state of them). */
		WRITES( 'W' ),
		/** Evict every clean entry of the entity (ids that cannot be encoded, or too many to list). */
		FLUSH_REGION( 'R' ),
		/** Evict every clean entry of every entity: the sender lost messages (its queue overflowed, or it could not publish). */
		FLUSH_ALL( 'A' ),
		/**
		 * Write the listed ids' pending writes to the database now, not at their delay: the sender's commit of them was
		 * refused because the receiver's pending write holds a newer version. Nothing is evicted.
		 */
		FLUSH_REQUEST( 'F' ),
		/**
		 * {@code cluster.version_check=lease}: the sender asks the holder of the listed buckets' leases (the change's id
		 * is the bucket's number) to hand them over. Nothing is evicted.
		 */
		LEASE_REQUEST( 'L' ),
		/**
		 * {@code cluster.version_check=lease}: the sender handed the listed buckets over (the change's id is the
		 * bucket's number, its version the id of the node that holds the lease now). Nothing is evicted.
		 */
		LEASE_GRANTED( 'G' );

		/** Whether messages of this kind carry changes (ids, or buckets). */
		boolean carriesChanges() {
			return this == WRITES || this == FLUSH_REQUEST || this == LEASE_REQUEST || this == LEASE_GRANTED;
		}

		/** The kind's field in the text. */
		final char code;

		Kind(char code) {
			this.code = code;
		}
	}

	/**
	 * One changed id.
	 *
	 * @param id the identifier's string form
	 * @param version the version's string form after the commit; {@code null} when unknown or unversioned, or when
	 * the sender's pending write of the id was dropped (a conflict or failure): receivers then only evict
	 * @param removed whether the commit removed the entity
	 */
	public record Change(String id, String version, boolean removed) {
		public Change {
			Objects.requireNonNull( id, "id" );
		}

		/** An id asked for in a {@link Kind#FLUSH_REQUEST}, or a dropped write's id: no version. */
		public static Change of(String id) {
			return new Change( id, null, false );
		}
	}

	public CoherenceMessage {
		Objects.requireNonNull( origin, "origin" );
		Objects.requireNonNull( kind, "kind" );
		changes = changes == null ? List.of() : List.copyOf( changes );
	}

	/** This message with {@code signature} (the signature of {@link #unsigned()}'s encoding). */
	public CoherenceMessage withSignature(String signature) {
		return new CoherenceMessage( origin, kind, entity, changes, signature );
	}

	/** This message without its signature: what a signature is computed over ({@code unsigned().encode()}). */
	public CoherenceMessage unsigned() {
		return signature == null ? this : new CoherenceMessage( origin, kind, entity, changes, null );
	}

	public static CoherenceMessage writes(String origin, String entity, List<Change> changes) {
		return new CoherenceMessage( origin, Kind.WRITES, entity, changes, null );
	}

	/** Asks the node that holds pending writes of these ids (without versions) to write them now. */
	public static CoherenceMessage flushRequest(String origin, String entity, List<Change> ids) {
		return new CoherenceMessage( origin, Kind.FLUSH_REQUEST, entity, ids, null );
	}

	public static CoherenceMessage flushRegion(String origin, String entity) {
		return new CoherenceMessage( origin, Kind.FLUSH_REGION, entity, List.of(), null );
	}

	public static CoherenceMessage flushAll(String origin) {
		return new CoherenceMessage( origin, Kind.FLUSH_ALL, null, List.of(), null );
	}

	/**
	 * The messages of {@code kind} ({@link Kind#WRITES} or {@link Kind#FLUSH_REQUEST}) that carry {@code changes} in
	 * order, each at most {@code maxBytes} encoded. A change too large to travel even alone becomes one
	 * {@link Kind#FLUSH_REGION} message for writes (the receivers evict the whole entity), and is left out of flush
	 * requests (the receiver then writes it at its delay).
	 */
	public static List<CoherenceMessage> split(String origin, Kind kind, String entity, List<Change> changes,
			int maxBytes) {
		if ( !kind.carriesChanges() ) {
			throw new IllegalArgumentException( "only WRITES, FLUSH_REQUEST and the lease messages carry changes: " + kind );
		}
		List<CoherenceMessage> messages = new ArrayList<>();
		int header = MessageCodec.headerLength( origin, entity );
		List<Change> chunk = new ArrayList<>();
		int length = header;
		boolean regionFlushed = false;
		for ( Change change : changes ) {
			int encoded = MessageCodec.encodedLength( change ); // with the ',' before it
			int added = encoded - ( chunk.isEmpty() ? 1 : 0 ); // the ',' before all but the first
			if ( header + encoded - 1 > maxBytes ) {
				if ( kind == Kind.WRITES && !regionFlushed ) {
					messages.add( flushRegion( origin, entity ) );
					regionFlushed = true;
				}
				continue;
			}
			if ( length + added > maxBytes ) {
				messages.add( new CoherenceMessage( origin, kind, entity, chunk, null ) );
				chunk = new ArrayList<>();
				length = header;
				added = encoded - 1;
			}
			chunk.add( change );
			length += added;
		}
		if ( !chunk.isEmpty() ) {
			messages.add( new CoherenceMessage( origin, kind, entity, chunk, null ) );
		}
		return messages;
	}

	/** The encoded length, in UTF-8 bytes, a WRITES message of {@code entity} with {@code changes} would have. */
	public static int encodedLength(String origin, String entity, List<Change> changes) {
		int length = MessageCodec.headerLength( origin, entity );
		for ( Change change : changes ) {
			length += MessageCodec.encodedLength( change ); // with the ',' before it
		}
		return changes.isEmpty() ? length : length - 1;
	}

	/** The message as one line of text. */
	public String encode() {
		return MessageCodec.encode( this );
	}

	/** The encoded size in UTF-8 bytes. */
	public int encodedBytes() {
		return encode().getBytes( StandardCharsets.UTF_8 ).length;
	}

	/**
	 * Parses an encoded message, strictly: throws {@link MalformedMessageException} (only that) saying what is wrong
	 * with a text that is not a well-formed message. Checks no signature (see {@link #signature()}).
	 */
	public static CoherenceMessage parse(String text) {
		return MessageCodec.parse( text );
	}
}
