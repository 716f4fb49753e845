package io.writebehind.cluster.internal;

import java.util.ArrayList;
import java.util.List;

import io.writebehind.cluster.internal.CoherenceMessage.Change;
import io.writebehind.cluster.internal.CoherenceMessage.Kind;
import io.writebehind.cluster.internal.CoherenceMessage.MalformedMessageException;

/**
 * The text form of a {@link CoherenceMessage}: {@code wb1|origin|kind|entity|changes[|signature]}, where
 * {@code %}, {@code |}, {@code ,}, {@code ~} and NUL inside the fields are percent-escaped, and a change is
 * {@code id[~version][~-]} ({@code ~-}: removed). Parsing is strict and linear in the text. Stateless.
 */
final class MessageCodec {

	private static final String MAGIC = "wb1";
	/** The longest signature field accepted. */
	private static final int MAX_SIGNATURE_CHARS = 128;

	private MessageCodec() {
	}

	static String encode(CoherenceMessage message) {
		StringBuilder text = new StringBuilder( 64 ).append( MAGIC ).append( '|' ).append( escape( message.origin() ) )
				.append( '|' ).append( message.kind().code ).append( '|' )
				.append( message.entity() == null ? "" : escape( message.entity() ) ).append( '|' );
		List<Change> changes = message.changes();
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
		if ( message.signature() != null ) {
			text.append( '|' ).append( message.signature() );
		}
		return text.toString();
	}

	/** The bytes of a message with these fields and no change (add {@link #encodedLength(Change)}s for the total). */
	static int headerLength(String origin, String entity) {
		return utf8Length( MAGIC + "|" + escape( origin ) + "|W|" + ( entity == null ? "" : escape( entity ) ) + "|" );
	}

	/** The bytes a change adds to a message, with the {@code ,} before it. */
	static int encodedLength(Change change) {
		return utf8Length( escape( change.id() ) )
				+ ( change.version() == null ? 0 : 1 + utf8Length( escape( change.version() ) ) )
				+ ( change.removed() ? 2 : 0 ) + 1;
	}

	static CoherenceMessage parse(String text) {
		if ( text == null ) {
			throw new MalformedMessageException( "no text" );
		}
		if ( text.length() > CoherenceMessage.MAX_TEXT_LENGTH ) {
			throw new MalformedMessageException( "text of " + text.length() + " characters, over the limit of "
					+ CoherenceMessage.MAX_TEXT_LENGTH );
		}
		if ( !text.startsWith( MAGIC + "|" ) ) {
			throw new MalformedMessageException( "not a write-behind message (no '" + MAGIC + "|' prefix)" );
		}
		String[] parts = text.split( "\\|", 7 );
		if ( parts.length != 5 && parts.length != 6 ) {
			throw new MalformedMessageException( parts.length + " '|'-separated fields, must be 5 (6 when signed)" );
		}
		Kind kind = kind( parts[2] );
		String origin = unescape( parts[1], "origin" );
		if ( origin.isEmpty() ) {
			throw new MalformedMessageException( "empty origin" );
		}
		String entity = parts[3].isEmpty() ? null : unescape( parts[3], "entity" );
		if ( entity == null && kind != Kind.FLUSH_ALL ) {
			throw new MalformedMessageException( "no entity in a message of kind " + kind );
		}
		List<Change> changes = new ArrayList<>();
		if ( !parts[4].isEmpty() ) {
			if ( !kind.carriesChanges() ) {
				throw new MalformedMessageException( "ids in a message of kind " + kind );
			}
			int index = 0;
			for ( String item : parts[4].split( ",", -1 ) ) {
				changes.add( change( item, index++ ) );
			}
		}
		String signature = null;
		if ( parts.length == 6 ) {
			signature = parts[5];
			if ( signature.isEmpty() || signature.length() > MAX_SIGNATURE_CHARS ) {
				throw new MalformedMessageException( "signature field of " + signature.length() + " characters" );
			}
		}
		return new CoherenceMessage( origin, kind, entity, changes, signature );
	}

	private static Kind kind(String field) {
		if ( field.length() != 1 ) {
			throw new MalformedMessageException( "kind field of " + field.length() + " characters, must be 1" );
		}
		for ( Kind kind : Kind.values() ) {
			if ( kind.code == field.charAt( 0 ) ) {
				return kind;
			}
		}
		throw new MalformedMessageException( "unknown kind (character " + (int) field.charAt( 0 ) + ")" );
	}

	/** {@code id[~version][~-]}. */
	private static Change change(String item, int index) {
		String[] fields = item.split( "~", -1 );
		if ( fields.length > 3 ) {
			throw new MalformedMessageException( "id " + index + " has " + fields.length + " '~'-separated fields, at most 3" );
		}
		String id = unescape( fields[0], "id" );
		String version = null;
		boolean removed = false;
		for ( int i = 1; i < fields.length; i++ ) {
			if ( fields[i].equals( "-" ) && i == fields.length - 1 ) {
				removed = true;
			}
			else if ( i == 1 ) {
				version = unescape( fields[i], "version" );
			}
			else {
				throw new MalformedMessageException( "id " + index + " has a third field other than '-'" );
			}
		}
		return new Change( id, version, removed );
	}

	/** Percent-unescapes; a {@code %} not followed by two hex digits is malformed. */
	private static String unescape(String value, String field) {
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

	/** An ASCII hex digit's value, else -1 (not {@link Character#digit}, which takes other scripts' digits too). */
	private static int hex(char c) {
		return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
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

	/** The UTF-8 length of a text, without encoding it. */
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
}
