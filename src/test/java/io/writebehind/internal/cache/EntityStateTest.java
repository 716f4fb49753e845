package io.writebehind.internal.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.Serializable;

import org.junit.jupiter.api.Test;

/**
 * A state keeps its values in fields of its own object up to {@link EntityState#MAX_FIELDS} values, in an array
 * beyond: whatever the size, it hands back exactly the values it was given, in order, and never its own storage.
 */
class EntityStateTest {

	private static Serializable[] values(int n) {
		Serializable[] values = new Serializable[n];
		for ( int i = 0; i < n; i++ ) {
			values[i] = i == 1 ? null : "v" + i;
		}
		return values;
	}

	@Test
	void everySizeHandsBackItsValuesInOrder() {
		for ( int n = 0; n <= EntityState.MAX_FIELDS + 3; n++ ) {
			Serializable[] given = values( n );
			EntityState state = EntityState.restore( given.clone(), "Item", 7L );
			assertEquals( n, state.size(), "size of a state of " + n );
			for ( int i = 0; i < n; i++ ) {
				assertSame( given[i], state.value( i ), "value " + i + " of a state of " + n );
			}
			assertArrayEquals( given, state.getDisassembledState(), "values of a state of " + n );
			assertEquals( "Item", state.entityName() );
			assertEquals( 7L, state.version() );
			int size = n;
			assertThrows( IndexOutOfBoundsException.class, () -> state.value( size ) );
		}
	}

	@Test
	void theValuesHandedOutAreACopy() {
		for ( int n : new int[] { 3, EntityState.MAX_FIELDS + 1 } ) {
			EntityState state = EntityState.restore( values( n ), "Item", 1L );
			Serializable[] first = state.getDisassembledState();
			first[0] = "changed";
			assertNotSame( first, state.getDisassembledState() );
			assertEquals( "v0", state.value( 0 ), "a state of " + n + " must not share its storage" );
		}
	}

	@Test
	void withVersionChangesOnlyTheVersion() {
		for ( int n : new int[] { 3, EntityState.MAX_FIELDS, EntityState.MAX_FIELDS + 2 } ) {
			Serializable[] given = values( n );
			given[2] = 4L;
			EntityState state = EntityState.restore( given.clone(), "Item", 4L );
			EntityState next = state.withVersion( 5L, 2 );
			assertEquals( 5L, next.version() );
			assertEquals( 5L, next.value( 2 ) );
			assertEquals( 4L, state.value( 2 ), "the original state is unchanged" );
			for ( int i = 0; i < n; i++ ) {
				if ( i != 2 ) {
					assertSame( given[i], next.value( i ) );
				}
			}
		}
	}

	@Test
	void aLongValueAtAnyPlaceComesBackEqualWhateverTheMix() {
		java.util.Random random = new java.util.Random( 16 );
		for ( int round = 0; round < 5_000; round++ ) {
			int n = random.nextInt( EntityState.MAX_FIELDS + 3 );
			Serializable[] given = new Serializable[n];
			Long version = random.nextBoolean() ? 1_000L + round : 3L;
			for ( int i = 0; i < n; i++ ) {
				given[i] = switch ( random.nextInt( 6 ) ) {
					case 0 -> null;
					case 1 -> "s" + i;
					case 2 -> (long) random.nextInt( 256 ) - 128; // shared small Longs: kept boxed
					case 3 -> version; // the version object itself: kept boxed
					case 4 -> Long.MIN_VALUE + random.nextInt( 3 );
					default -> random.nextLong();
				};
			}
			EntityState state = EntityState.restore( given.clone(), "Item", version );
			assertEquals( n, state.size() );
			for ( int i = 0; i < n; i++ ) {
				assertEquals( given[i], state.value( i ), "value " + i + " of " + java.util.Arrays.toString( given ) );
				if ( !( given[i] instanceof Long ) ) {
					assertSame( given[i], state.value( i ) );
				}
			}
			assertArrayEquals( given, state.getDisassembledState() );
			assertSame( version, state.version() );
			int size = n;
			assertThrows( IndexOutOfBoundsException.class, () -> state.value( size ) );
			assertThrows( IndexOutOfBoundsException.class, () -> state.value( -1 ) );
			if ( n > 0 ) {
				int at = random.nextInt( n );
				EntityState next = state.withVersion( 77_777L, at );
				for ( int i = 0; i < n; i++ ) {
					assertEquals( i == at ? (Serializable) 77_777L : given[i], next.value( i ) );
				}
				assertEquals( 77_777L, next.version() );
			}
		}
	}

	@Test
	void aStateOfABenchmarkRowKeepsItsAmountUnboxed() {
		// version (small), name, amount: the amount is a long field of the state, boxed again on each read
		EntityState state = EntityState.restore( new Serializable[] { 0L, "item-12345", 1_234_567L }, "Item", 0L );
		assertEquals( "WithLong2", state.getClass().getSimpleName() );
		assertEquals( 1_234_567L, state.value( 2 ) );
		assertNotSame( state.value( 2 ), state.value( 2 ), "boxed when read" );
	}
}
