package io.writebehind.internal.common;

import java.util.Locale;
import java.util.Map;

import io.writebehind.WriteBehindConfigurationException;

/**
 * Reads a {@code hibernate.writebehind.*} setting of the core or of a feature (the journal, the cluster) from the
 * unit's settings, once at boot: its default when it is not set, else its value checked, or a
 * {@link WriteBehindConfigurationException} that names the key, the value and what it must be. Hibernate's
 * {@code ConfigurationHelper} reads the same maps, but leniently: {@code getBoolean} takes any word but "true" as
 * {@code false}, {@code getInt} throws a {@code NumberFormatException} that names neither the key nor the range, and
 * neither checks a range.
 */
public final class SettingValues {

	private SettingValues() {
	}

	/**
	 * A whole number within {@code min..max}: a {@code Long}, {@code Integer}, {@code Short} or {@code Byte}, or a
	 * text of one ({@code _} between digits allowed: {@code 10_000}); a fraction ({@code 1.5}, any {@code Double} or
	 * {@code BigDecimal} whose text is not a whole number) is refused, not truncated. Out of range: "must be >= min" or "must be <= max".
	 */
	public static long whole(Map<String, ?> settings, String key, long defaultValue, long min, long max) {
		return whole( settings, key, defaultValue, min, max, null );
	}

	/**
	 * As {@link #whole(Map, String, long, long, long)}, for a setting in {@code unit} ("ms", "buckets"): a bad value's
	 * message gives the range with its unit, "must be min to max unit".
	 */
	public static long whole(Map<String, ?> settings, String key, long defaultValue, long min, long max, String unit) {
		Object value = settings.get( key );
		if ( value == null ) {
			return defaultValue;
		}
		String range = unit == null ? "" : " (" + min + " to " + max + " " + unit + ")";
		long parsed;
		if ( value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte ) {
			parsed = ( (Number) value ).longValue();
		}
		else {
			try {
				parsed = Long.parseLong( value.toString().trim().replace( "_", "" ) );
			}
			catch (NumberFormatException e) {
				throw new WriteBehindConfigurationException( key + " was '" + value + "', must be a whole number" + range );
			}
		}
		if ( parsed >= min && parsed <= max ) {
			return parsed;
		}
		throw new WriteBehindConfigurationException( key + " was " + parsed + ", must be " + ( unit != null
				? min + " to " + max + " " + unit : parsed < min ? ">= " + min : "<= " + max ) );
	}

	/** {@code true} or {@code false} (a {@link Boolean}, or the word in any case); any other value is refused. */
	public static boolean bool(Map<String, ?> settings, String key, boolean defaultValue) {
		Object value = settings.get( key );
		if ( value == null ) {
			return defaultValue;
		}
		if ( value instanceof Boolean b ) {
			return b;
		}
		String text = value.toString().trim().toLowerCase( Locale.ROOT );
		if ( text.equals( "true" ) ) {
			return true;
		}
		if ( text.equals( "false" ) ) {
			return false;
		}
		throw new WriteBehindConfigurationException( key + " was '" + value + "', must be true or false" );
	}
}
