package io.writebehind.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One cache-coherence message: the origin node and what changed, never entity state. Encoded as one line of text, so
 * that it fits any channel (PostgreSQL {@code NOTIFY} payloads are text of less than 8000 bytes):
 * {@code wb1|origin|W|entity|id~version,id~version,...}, where ids and versions are the string forms of Hibernate's
 * Java types of the entity's identifier and version (write-behind converts them back on the receiving node), and
 * {@code %}, {@code |}, {@code ,} and {@code ~} inside them are percent-escaped. With {@code cluster.secret}, a sixth
 * field carries the signature: {@code ...|<base64url HMAC-SHA256 of the text before it>}.
 * <p>
 * Anyone who can publish on the channel can send any text: {@link #parse(String)} refuses what is not a well-formed
 * message with {@link MalformedMessageException} (and nothing else), {@link #decode(String)} never throws; both take
 * time and memory linear in the text, and refuse texts over {@link #MAX_TEXT_LENGTH} characters at once.
 *
 * @param origin the node that sent it (a random id per {@code EntityManagerFactory})
 * @param kind what the receivers do
 * @param entity the root entity name of the hierarchy ({@code null} for {@link Kind#FLUSH_ALL})
 * @param changes the changed ids, for {@link Kind#WRITES}; the ids asked for, for {@link Kind#FLUSH_REQUEST}; empty otherwise
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

		public MalformedMessageException(String reason) {
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
		FLUSH_REQUEST( 'F' );

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

		int encodedLength() {
			return utf8Length( escape( id ) ) + ( version == null ? 0 : 1 + utf8Length( escape( version ) ) ) + ( removed ? 2 : 0 ) + 1;
		}
	}

	private static final String MAGIC = "wb1";

	public CoherenceMessage {
		Objects.requireNonNull( origin, "origin" );
		Objects.requireNonNull( kind, "kind" );
		changes = changes == null ? List.of() : List.copyOf( changes );
	}

	/** An unsigned message. */
	public CoherenceMessage(String origin, Kind kind, String entity, List<Change> changes) {
		this( origin, kind, entity, changes, null );
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
		return new CoherenceMessage( origin, Kind.WRITES, entity, changes );
	}

	/** Asks the node that holds pending writes of these ids (without versions) to write them now. */
	public static CoherenceMessage flushRequest(String origin, String entity, List<Change> ids) {
		return new CoherenceMessage( origin, Kind.FLUSH_REQUEST, entity, ids );
	}

	public static CoherenceMessage flushRegion(String origin, String entity) {
		return new CoherenceMessage( origin, Kind.FLUSH_REGION, entity, List.of() );
	}

	public static CoherenceMessage flushAll(String origin) {
		return new CoherenceMessage( origin, Kind.FLUSH_ALL, null, List.of() );
	}

	/**
	 * The messages of {@code kind} ({@link Kind#WRITES} or {@link Kind#FLUSH_REQUEST}) that carry {@code changes} in
	 * order, each at most {@code maxBytes} encoded. A change too large to travel even alone becomes one
	 * {@link Kind#FLUSH_REGION} message for writes (the receivers evict the whole entity), and is left out of flush
	 * requests (the receiver then writes it at its delay).
	 */
	public static List<CoherenceMessage> split(String origin, Kind kind, String entity, List<Change> changes,
			int maxBytes) {
		if ( kind != Kind.WRITES && kind != Kind.FLUSH_REQUEST ) {
			throw new IllegalArgumentException( "only WRITES and FLUSH_REQUEST carry changes: " + kind );
		}
		List<CoherenceMessage> messages = new ArrayList<>();
		int header = headerLength( origin, entity );
		List<Change> chunk = new ArrayList<>();
		int length = header;
		boolean regionFlushed = false;
		for ( Change change : changes ) {
			int added = change.encodedLength() - ( chunk.isEmpty() ? 1 : 0 ); // the ',' before all but the first
			if ( header + change.encodedLength() - 1 > maxBytes ) {
				if ( kind == Kind.WRITES && !regionFlushed ) {
					messages.add( flushRegion( origin, entity ) );
					regionFlushed = true;
				}
				continue;
			}
			if ( length + added > maxBytes ) {
				messages.add( new CoherenceMessage( origin, kind, entity, chunk ) );
				chunk = new ArrayList<>();
				length = header;
				added = change.encodedLength() - 1;
			}
			chunk.add( change );
			length += added;
		}
		if ( !chunk.isEmpty() ) {
			messages.add( new CoherenceMessage( origin, kind, entity, chunk ) );
		}
		return messages;
	}

	/** The bytes of a message with these fields and no change (add {@link Change}s' lengths for the total). */
	static int headerLength(String origin, String entity) {
		return utf8Length( MAGIC + "|" + escape( origin ) + "|W|" + ( entity == null ? "" : escape( entity ) ) + "|" );
	}

	/** The encoded length, in UTF-8 bytes, a WRITES message of {@code entity} with {@code changes} would have. */
	public static int encodedLength(String origin, String entity, List<Change> changes) {
		int length = headerLength( origin, entity );
		for ( Change change : changes ) {
			length += change.encodedLength(); // with the ',' before it
		}
		return changes.isEmpty() ? length : length - 1;
	}

	public String encode() {
		StringBuilder text = new StringBuilder( 64 ).append( MAGIC ).append( '|' ).append( escape( origin ) )
				.append( '|' ).append( kind.code ).append( '|' ).append( entity == null ? "" : escape( entity ) ).append( '|' );
		for ( int i = 0; i < changes.size(); i++ ) {
			Change change = changes.get( i );
			if ( i > 0 ) {
				text.append( ',' );
			}
			text.append( escape( change.id() ) );
			if ( change.version() != null ) {
				text.append( '~' ).append( escape( change.version() ) );
			}
			if ( change.removed() ) {
				text.append( "~-" );
			}
		}
		if ( signature != null ) {
			text.append( '|' ).append( signature );
		}
		return text.toString();
	}

	/**
	 * Parses an encoded message; {@code null} for text that is not one (another application on the same channel, or a
	 * malformed or hostile text). Never throws.
	 */
	public static CoherenceMessage decode(String text) {
		try {
			return parse( text );
		}
		catch (MalformedMessageException e) {
			return null;
		}
	}

	/**
	 * Parses an encoded message, strictly: throws {@link MalformedMessageException} (only that) saying what is wrong
	 * with a text that is not a well-formed message. Checks no signature (see {@link #signature()}).
	 */
	public static CoherenceMessage parse(String text) {
		if ( text == null ) {
			throw new MalformedMessageException( "no text" );
		}
		if ( text.length() > MAX_TEXT_LENGTH ) {
			throw new MalformedMessageException( "text of " + text.length() + " characters, over the limit of "
					+ MAX_TEXT_LENGTH );
		}
		if ( !text.startsWith( MAGIC + "|" ) ) {
			throw new MalformedMessageException( "not a write-behind message (no '" + MAGIC + "|' prefix)" );
		}
		String[] parts = text.split( "\\|", 7 );
		if ( parts.length != 5 && parts.length != 6 ) {
			throw new MalformedMessageException( parts.length + " '|'-separated fields, must be 5 (6 when signed)" );
		}
		if ( parts[2].length() != 1 ) {
			throw new MalformedMessageException( "kind field of " + parts[2].length() + " characters, must be 1" );
		}
		Kind kind = null;
		for ( Kind k : Kind.values() ) {
			if ( k.code == parts[2].charAt( 0 ) ) {
				kind = k;
			}
		}
		if ( kind == null ) {
			throw new MalformedMessageException( "unknown kind (character " + (int) parts[2].charAt( 0 ) + ")" );
		}
		String origin = unescapeStrict( parts[1], "origin" );
		if ( origin.isEmpty() ) {
			throw new MalformedMessageException( "empty origin" );
		}
		String entity = parts[3].isEmpty() ? null : unescapeStrict( parts[3], "entity" );
		if ( entity == null && kind != Kind.FLUSH_ALL ) {
			throw new MalformedMessageException( "no entity in a message of kind " + kind );
		}
		List<Change> changes = new ArrayList<>();
		if ( !parts[4].isEmpty() ) {
			if ( kind != Kind.WRITES && kind != Kind.FLUSH_REQUEST ) {
				throw new MalformedMessageException( "ids in a message of kind " + kind );
			}
			int index = 0;
			for ( String item : parts[4].split( ",", -1 ) ) {
				String[] fields = item.split( "~", -1 );
				if ( fields.length > 3 ) {
					throw new MalformedMessageException( "id " + index + " has " + fields.length + " '~'-separated fields, at most 3" );
				}
				String id = unescapeStrict( fields[0], "id" );
				String version = null;
				boolean removed = false;
				for ( int i = 1; i < fields.length; i++ ) {
					if ( fields[i].equals( "-" ) && i == fields.length - 1 ) {
						removed = true;
					}
					else if ( i == 1 ) {
						version = unescapeStrict( fields[i], "version" );
					}
					else {
						throw new MalformedMessageException( "id " + index + " has a third field other than '-'" );
					}
				}
				changes.add( new Change( id, version, removed ) );
				index++;
			}
		}
		String signature = null;
		if ( parts.length == 6 ) {
			signature = parts[5];
			if ( signature.isEmpty() || signature.length() > 128 ) {
				throw new MalformedMessageException( "signature field of " + signature.length() + " characters" );
			}
		}
		return new CoherenceMessage( origin, kind, entity, changes, signature );
	}

	/** Percent-unescapes; a {@code %} not followed by two hex digits is malformed. */
	private static String unescapeStrict(String value, String field) {
		if ( value.indexOf( '%' ) < 0 ) {
			return value;
		}
		StringBuilder out = new StringBuilder( value.length() );
		for ( int i = 0; i < value.length(); i++ ) {
			char c = value.charAt( i );
			if ( c == '%' ) {
				int high = i + 1 < value.length() ? hex( value.charAt( i + 1 ) ) : -1;
				int low = i + 2 < value.length() ? hex( value.charAt( i + 2 ) ) : -1;
				if ( high < 0 || low < 0 ) {
					throw new MalformedMessageException( "bad escape in the " + field + " at character " + i );
				}
				out.append( (char) ( high * 16 + low ) );
				i += 2;
			}
			else {
				out.append( c );
			}
		}
		return out.toString();
	}

	static String escape(String value) {
		StringBuilder out = null;
		for ( int i = 0; i < value.length(); i++ ) {
			char c = value.charAt( i );
			if ( c == '%' || c == '|' || c == ',' || c == '~' || c == '\0' ) {
				if ( out == null ) {
					out = new StringBuilder( value.length() + 8 ).append( value, 0, i );
				}
				out.append( '%' ).append( Character.forDigit( c >> 4, 16 ) ).append( Character.forDigit( c & 15, 16 ) );
			}
			else if ( out != null ) {
				out.append( c );
			}
		}
		return out == null ? value : out.toString();
	}

	private static int hex(char c) {
		return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
	}

	static int utf8Length(String value) {
		int length = 0;
		for ( int i = 0; i < value.length(); i++ ) {
			char c = value.charAt( i );
			if ( c < 0x80 ) {
				length++;
			}
			else if ( c < 0x800 ) {
				length += 2;
			}
			else if ( Character.isHighSurrogate( c ) ) {
				length += 4;
				i++;
			}
			else {
				length += 3;
			}
		}
		return length;
	}

	/** The encoded size in UTF-8 bytes. */
	public int encodedBytes() {
		return encode().getBytes( StandardCharsets.UTF_8 ).length;
	}
}
