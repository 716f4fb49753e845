package io.writebehind.internal.config;

import static org.junit.jupiter.api.Assertions.*;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.common.SettingValues;

/**
 * The one reader of whole-number and true/false settings that the core, the journal and the cluster share: a value
 * given as a Java object (a map of properties built in code, Spring's or a container's) is checked as strictly as a
 * text; a fraction is refused, never truncated (the journal's and the cluster's settings took {@code 1.5} as 1).
 */
class SettingValuesTest {

	private static final String KEY = "hibernate.writebehind.some_setting";

	@Test
	void wholeNumbersAsTextOrIntegralObjects() {
		assertEquals( 7, SettingValues.whole( Map.of( KEY, 7 ), KEY, 1, 0, 100 ) );
		assertEquals( 7, SettingValues.whole( Map.of( KEY, 7L ), KEY, 1, 0, 100 ) );
		assertEquals( 7, SettingValues.whole( Map.of( KEY, (short) 7 ), KEY, 1, 0, 100 ) );
		assertEquals( 10_000, SettingValues.whole( Map.of( KEY, " 10_000 " ), KEY, 1, 0, 100_000 ) );
		assertEquals( 12, SettingValues.whole( Map.of( KEY, BigInteger.valueOf( 12 ) ), KEY, 1, 0, 100 ) );
		assertEquals( 1, SettingValues.whole( Map.of(), KEY, 1, 0, 100 ), "not set: the default" );
	}

	@Test
	void aFractionIsRefusedNotTruncated() {
		for ( Object fraction : new Object[] { 1.5, 1.5f, new BigDecimal( "2.5" ), 3.0, "1.5" } ) {
			WriteBehindConfigurationException e = assertThrows( WriteBehindConfigurationException.class,
					() -> SettingValues.whole( Map.of( KEY, fraction ), KEY, 1, 0, 100 ) );
			assertEquals( KEY + " was '" + fraction + "', must be a whole number", e.getMessage() );
		}
	}

	@Test
	void outOfRangeMessagesNameTheBound() {
		assertEquals( KEY + " was -1, must be >= 0", assertThrows( WriteBehindConfigurationException.class,
				() -> SettingValues.whole( Map.of( KEY, -1 ), KEY, 1, 0, 100 ) ).getMessage() );
		assertEquals( KEY + " was 101, must be <= 100", assertThrows( WriteBehindConfigurationException.class,
				() -> SettingValues.whole( Map.of( KEY, "101" ), KEY, 1, 0, 100 ) ).getMessage() );
		assertEquals( KEY + " was 101, must be 0 to 100 ms", assertThrows( WriteBehindConfigurationException.class,
				() -> SettingValues.whole( Map.of( KEY, "101" ), KEY, 1, 0, 100, "ms" ) ).getMessage() );
		assertEquals( KEY + " was 'soon', must be a whole number (0 to 100 ms)", assertThrows(
				WriteBehindConfigurationException.class,
				() -> SettingValues.whole( Map.of( KEY, "soon" ), KEY, 1, 0, 100, "ms" ) ).getMessage() );
	}

	@Test
	void trueOrFalseOnly() {
		assertTrue( SettingValues.bool( Map.of( KEY, " TRUE " ), KEY, false ) );
		assertFalse( SettingValues.bool( Map.of( KEY, Boolean.FALSE ), KEY, true ) );
		assertTrue( SettingValues.bool( Map.of(), KEY, true ) );
		for ( Object word : new Object[] { "yes", "1", 1 } ) {
			assertEquals( KEY + " was '" + word + "', must be true or false", assertThrows(
					WriteBehindConfigurationException.class,
					() -> SettingValues.bool( Map.of( KEY, word ), KEY, false ) ).getMessage() );
		}
	}

	@Test
	void theCoreTheJournalAndTheClusterReadTheirSettingsAlike() {
		assertEquals( WriteBehindSettings.FLUSHER_THREADS + " was '1.5', must be a whole number",
				bootFailure( WriteBehindSettings.FLUSHER_THREADS, 1.5 ) );
		assertEquals( WriteBehindSettings.JOURNAL_FSYNC_INTERVAL_MS + " was '1.5', must be a whole number",
				bootFailure( WriteBehindSettings.JOURNAL_FSYNC_INTERVAL_MS, 1.5 ) );
		assertEquals( WriteBehindSettings.CLUSTER_LEASE_TTL_MS + " was '1500.5', must be a whole number (100 to "
				+ "600000 ms)", bootFailure( WriteBehindSettings.CLUSTER_LEASE_TTL_MS, 1500.5 ) );
		assertEquals( 250, WriteBehindConfig.from( Map.of( WriteBehindSettings.JOURNAL_FSYNC_INTERVAL_MS, 250 ) )
				.journal.fsyncIntervalMs );
	}

	private static String bootFailure(String key, Object value) {
		Map<String, Object> settings = new HashMap<>();
		settings.put( key, value );
		return assertThrows( WriteBehindConfigurationException.class, () -> WriteBehindConfig.from( settings ) )
				.getMessage();
	}
}
