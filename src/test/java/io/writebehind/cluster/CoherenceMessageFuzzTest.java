package io.writebehind.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.writebehind.cluster.internal.CoherenceMessage;
import io.writebehind.cluster.internal.CoherenceMessage.Change;
import io.writebehind.cluster.internal.CoherenceMessage.MalformedMessageException;

/**
 * Issue 19, point 3: the decoder of coherence messages against 100,000 seeded random inputs: random text, huge and
 * truncated texts, and mutations of valid messages. {@code parse} either returns a message or throws
 * {@link MalformedMessageException} (nothing else); a message it returns encodes and
 * parses back to itself; texts over the limit are refused without being split.
 */
class CoherenceMessageFuzzTest {

	private static final String ALPHABET = "wb1|~,%-WRAFQx0123456789abcdefABCDEF\0é€😀 ";

	@Test
	void hundredThousandInputs() {
		Random random = new Random( 0x19_19_19L );
		List<String> valid = validMessages( random );
		int parsed = 0;
		int refused = 0;
		long maxNanos = 0;
		for ( int i = 0; i < 100_000; i++ ) {
			String text = input( random, valid, i );
			long start = System.nanoTime();
			CoherenceMessage message;
			try {
				message = CoherenceMessage.parse( text );
				parsed++;
			}
			catch (MalformedMessageException e) {
				assertNotNull( e.getMessage() );
				refused++;
				message = null;
			}
			catch (RuntimeException e) {
				throw new AssertionError( "input " + i + " made parse throw " + e, e );
			}
			maxNanos = Math.max( maxNanos, System.nanoTime() - start );
			if ( message != null ) {
				assertEquals( message, CoherenceMessage.parse( message.encode() ), "a parsed message round-trips" );
			}
		}
		System.out.printf( "CoherenceMessageFuzzTest: %d parsed, %d refused, slowest input %.1f ms%n", parsed, refused,
				maxNanos / 1e6 );
		assertTrue( parsed > 1_000 && refused > 50_000, parsed + " parsed, " + refused + " refused" );
	}

	@Test
	void hugeTextsAreRefusedAtOnce() {
		String huge = "wb1|o|W|E|" + "1,".repeat( 10_000_000 );
		MalformedMessageException e = assertThrows( MalformedMessageException.class, () -> CoherenceMessage.parse( huge ) );
		assertTrue( e.getMessage().contains( "over the limit of " + CoherenceMessage.MAX_TEXT_LENGTH ), e.getMessage() );
		String atLimit = "wb1|o|W|E|" + "1,".repeat( ( CoherenceMessage.MAX_TEXT_LENGTH - 11 ) / 2 ) + "1";
		assertTrue( atLimit.length() <= CoherenceMessage.MAX_TEXT_LENGTH );
		assertEquals( ( CoherenceMessage.MAX_TEXT_LENGTH - 11 ) / 2 + 1, CoherenceMessage.parse( atLimit ).changes().size() );
	}

	@Test
	void malformedReasonsNeverQuoteTheText() {
		for ( String text : List.of( "wb1|secret-origin|W|E|%zz", "wb1|o|Q|E|secret", "secret-text", "wb1|o|W|E|a~b~c~d",
				"wb1|o|W||secret-id", "wb1|o|A||secret-id", "wb1|o|W|E|1|" ) ) {
			MalformedMessageException e = assertThrows( MalformedMessageException.class, () -> CoherenceMessage.parse( text ) );
			assertFalse( e.getMessage().contains( "secret" ), e.getMessage() );
		}
	}

	private static List<String> validMessages(Random random) {
		List<String> messages = new ArrayList<>();
		for ( int i = 0; i < 200; i++ ) {
			List<Change> changes = new ArrayList<>();
			int n = random.nextInt( 20 );
			for ( int c = 0; c < n; c++ ) {
				changes.add( new Change( randomText( random, 1 + random.nextInt( 12 ) ),
						random.nextBoolean() ? null : Long.toString( random.nextInt( 1000 ) ), random.nextInt( 5 ) == 0 ) );
			}
			String entity = "io.example." + randomText( random, 1 + random.nextInt( 8 ) );
			CoherenceMessage message = switch ( i % 4 ) {
				case 0 -> CoherenceMessage.writes( "node" + i, entity, changes );
				case 1 -> CoherenceMessage.flushRequest( "node" + i, entity, changes );
				case 2 -> CoherenceMessage.flushRegion( "node" + i, entity );
				default -> CoherenceMessage.flushAll( "node" + i );
			};
			if ( random.nextBoolean() ) {
				message = message.withSignature( "c2lnbmF0dXJlLW9mLXRoZS10ZXN0LW1lc3NhZ2UtMDAwMDAwMDA" );
			}
			messages.add( message.encode() );
			assertEquals( message, CoherenceMessage.parse( message.encode() ) );
		}
		return messages;
	}

	private static String input(Random random, List<String> valid, int i) {
		String base = valid.get( random.nextInt( valid.size() ) );
		return switch ( i % 10 ) {
			case 0 -> randomText( random, random.nextInt( 200 ) );
			case 1 -> "wb1|" + randomText( random, random.nextInt( 200 ) );
			case 2 -> base.substring( 0, random.nextInt( base.length() + 1 ) ); // truncated
			case 3, 4, 5 -> mutate( random, base, 1 + random.nextInt( 4 ) );
			case 6 -> base + randomText( random, 1 + random.nextInt( 10 ) );
			case 7 -> i % 1_000 == 7 ? "wb1|o|W|E|" + "%4".repeat( 40_000 ) // huge, over the limit
					: base.replace( "|", "|" + randomText( random, 2 ) + "|" );
			case 8 -> i % 500 == 8 ? "wb1|o|W|E|" + "1~2,".repeat( 16_000 ) // huge, under the limit
					: base.replace( ',', '|' );
			default -> random.nextInt( 100 ) == 0 ? null : base; // valid ones, and null
		};
	}

	private static String mutate(Random random, String text, int edits) {
		StringBuilder out = new StringBuilder( text );
		for ( int e = 0; e < edits; e++ ) {
			int at = out.length() == 0 ? 0 : random.nextInt( out.length() );
			char c = ALPHABET.charAt( random.nextInt( ALPHABET.length() ) );
			switch ( random.nextInt( 3 ) ) {
				case 0 -> out.insert( at, c );
				case 1 -> {
					if ( out.length() > 0 ) {
						out.deleteCharAt( at );
					}
				}
				default -> {
					if ( out.length() > 0 ) {
						out.setCharAt( at, c );
					}
				}
			}
		}
		return out.toString();
	}

	private static String randomText(Random random, int length) {
		StringBuilder out = new StringBuilder( length );
		for ( int i = 0; i < length; i++ ) {
			out.append( ALPHABET.charAt( random.nextInt( ALPHABET.length() ) ) );
		}
		return out.toString();
	}
}
