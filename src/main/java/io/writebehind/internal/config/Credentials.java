package io.writebehind.internal.config;

import java.util.regex.Pattern;

/**
 * Masks the credentials of a URI or JDBC URL before it is printed (log lines, exception messages, {@code toString}):
 * the password of a user-info part ({@code redis://user:***@host}, {@code redis://***@host}) and the values of
 * password-like query parameters ({@code password=***}).
 */
public final class Credentials {

	private static final Pattern USER_INFO = Pattern.compile( "^([A-Za-z][A-Za-z0-9+.\\-:]*://)([^@/?#]*)@" );
	private static final Pattern PARAMETER = Pattern.compile(
			"(?i)([?&;](?:password|sslpassword|pwd|pass|secret|sslkey_password)=)[^&;#]*" );

	private Credentials() {
	}

	/** {@code text} with its credentials replaced by {@code ***}; {@code null} stays {@code null}. */
	public static String mask(String text) {
		if ( text == null ) {
			return null;
		}
		String masked = USER_INFO.matcher( text ).replaceFirst( matcher -> {
			String userInfo = matcher.group( 2 );
			int colon = userInfo.indexOf( ':' );
			String shown = colon >= 0 ? userInfo.substring( 0, colon ) + ":***" : "***";
			return java.util.regex.Matcher.quoteReplacement( matcher.group( 1 ) + shown + "@" );
		} );
		return PARAMETER.matcher( masked ).replaceAll( "$1***" );
	}

	/** {@code text} with every occurrence of each of the {@code secrets} (those not {@code null} or empty) masked. */
	public static String mask(String text, String... secrets) {
		String masked = mask( text );
		if ( masked == null ) {
			return null;
		}
		for ( String secret : secrets ) {
			if ( secret != null && !secret.isEmpty() ) {
				masked = masked.replace( secret, "***" );
			}
		}
		return masked;
	}
}
