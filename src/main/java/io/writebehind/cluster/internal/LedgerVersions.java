package io.writebehind.cluster.internal;

import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Calendar;
import java.util.Date;

/**
 * Versions as the version ledger's numbers: integral versions as they are, timestamps in microseconds since the
 * epoch (the same on every node), a removal as {@link #REMOVED}. Stateless.
 */
final class LedgerVersions {

	/** The version stored for a removed entity (greater than any version). */
	static final long REMOVED = Long.MAX_VALUE;

	private LedgerVersions() {
	}

	/** Whether versions of this Java type can be kept in the ledger. */
	static boolean supports(Class<?> type) {
		return type == Integer.class || type == Long.class || type == Short.class || type == Byte.class
				|| type == BigInteger.class || Date.class.isAssignableFrom( type ) && type != java.sql.Date.class
				|| type == Instant.class || type == LocalDateTime.class || type == OffsetDateTime.class
				|| type == ZonedDateTime.class || Calendar.class.isAssignableFrom( type );
	}

	/** A version as the ledger's number. */
	static long of(Object version) {
		if ( version instanceof Number number ) {
			return number.longValue();
		}
		Instant instant;
		if ( version instanceof Instant value ) {
			instant = value;
		}
		else if ( version instanceof Date date ) {
			instant = date.toInstant();
		}
		else if ( version instanceof LocalDateTime value ) {
			instant = value.toInstant( ZoneOffset.UTC );
		}
		else if ( version instanceof OffsetDateTime value ) {
			instant = value.toInstant();
		}
		else if ( version instanceof ZonedDateTime value ) {
			instant = value.toInstant();
		}
		else if ( version instanceof Calendar value ) {
			instant = value.toInstant();
		}
		else {
			throw new IllegalArgumentException( "not a ledger version: " + version );
		}
		return Math.addExact( Math.multiplyExact( instant.getEpochSecond(), 1_000_000L ), instant.getNano() / 1_000 );
	}
}
