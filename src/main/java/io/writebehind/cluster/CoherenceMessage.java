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
 * {@code %}, {@code |}, {@code ,} and {@code ~} inside them are percent-escaped.
 *
 * @param origin the node that sent it (a random id per {@code EntityManagerFactory})
 * @param kind what the receivers do
 * @param entity the root entity name of the hierarchy ({@code null} for {@link Kind#FLUSH_ALL})
 * @param changes the changed ids, for {@link Kind#WRITES}; the ids asked for, for {@link Kind#FLUSH_REQUEST}; empty otherwise
 */
public record CoherenceMessage(String origin, Kind kind, String entity, List<Change> changes) {

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
		return text.toString();
	}

	/** Parses an encoded message; {@code null} for text that is not one (another application on the same channel). */
	public static CoherenceMessage decode(String text) {
		if ( text == null || !text.startsWith( MAGIC + "|" ) ) {
			return null;
		}
		String[] parts = text.split( "\\|", -1 );
		if ( parts.length != 5 || parts[2].length() != 1 ) {
			return null;
		}
		Kind kind = null;
		for ( Kind k : Kind.values() ) {
			if ( k.code == parts[2].charAt( 0 ) ) {
				kind = k;
			}
		}
		if ( kind == null ) {
			return null;
		}
		String entity = parts[3].isEmpty() ? null : unescape( parts[3] );
		List<Change> changes = new ArrayList<>();
		if ( !parts[4].isEmpty() ) {
			for ( String item : parts[4].split( ",", -1 ) ) {
				String[] fields = item.split( "~", -1 );
				String id = unescape( fields[0] );
				String version = null;
				boolean removed = false;
				for ( int i = 1; i < fields.length; i++ ) {
					if ( fields[i].equals( "-" ) && i == fields.length - 1 ) {
						removed = true;
					}
					else {
						version = unescape( fields[i] );
					}
				}
				changes.add( new Change( id, version, removed ) );
			}
		}
		return new CoherenceMessage( unescape( parts[1] ), kind, entity, changes );
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

	static String unescape(String value) {
		if ( value.indexOf( '%' ) < 0 ) {
			return value;
		}
		StringBuilder out = new StringBuilder( value.length() );
		for ( int i = 0; i < value.length(); i++ ) {
			char c = value.charAt( i );
			if ( c == '%' && i + 2 < value.length() ) {
				out.append( (char) Integer.parseInt( value.substring( i + 1, i + 3 ), 16 ) );
				i += 2;
			}
			else {
				out.append( c );
			}
		}
		return out.toString();
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
