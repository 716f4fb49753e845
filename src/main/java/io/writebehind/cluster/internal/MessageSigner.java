package io.writebehind.cluster.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs coherence messages with {@code cluster.secret} (HMAC-SHA256 of the unsigned encoding, base64url without
 * padding) and checks the signatures of received ones against that secret and {@code cluster.previous_secret}, with a
 * constant-time comparison. Thread-safe (a {@link Mac} per call).
 */
final class MessageSigner {

	private static final String ALGORITHM = "HmacSHA256";
	/** Characters of a signature, with the {@code |} before it. */
	static final int SIGNATURE_CHARS = 1 + 43;

	private final SecretKeySpec signing;
	private final List<SecretKeySpec> accepted = new ArrayList<>();

	MessageSigner(String secret, String previousSecret) {
		signing = new SecretKeySpec( secret.getBytes( StandardCharsets.UTF_8 ), ALGORITHM );
		accepted.add( signing );
		if ( previousSecret != null ) {
			accepted.add( new SecretKeySpec( previousSecret.getBytes( StandardCharsets.UTF_8 ), ALGORITHM ) );
		}
		mac( signing, "" ); // fails at start, not at the first message, if the JDK lacks the algorithm
	}

	CoherenceMessage sign(CoherenceMessage message) {
		CoherenceMessage unsigned = message.unsigned();
		return unsigned.withSignature( Base64.getUrlEncoder().withoutPadding()
				.encodeToString( mac( signing, unsigned.encode() ) ) );
	}

	/** {@code null} when the message is signed with an accepted secret, else what is wrong. */
	String problem(CoherenceMessage message) {
		if ( message.signature() == null ) {
			return "not signed (cluster.secret is set on this node)";
		}
		byte[] given;
		try {
			given = Base64.getUrlDecoder().decode( message.signature() );
		}
		catch (IllegalArgumentException e) {
			return "signature is not base64url";
		}
		String text = message.unsigned().encode();
		boolean ok = false;
		for ( SecretKeySpec key : accepted ) {
			// every key is tried: the time taken does not tell which one matched
			ok |= MessageDigest.isEqual( mac( key, text ), given );
		}
		return ok ? null : "bad signature (another cluster.secret, or a forged message)";
	}

	private static byte[] mac(SecretKeySpec key, String text) {
		try {
			Mac mac = Mac.getInstance( ALGORITHM );
			mac.init( key );
			return mac.doFinal( text.getBytes( StandardCharsets.UTF_8 ) );
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException( "The JDK cannot compute " + ALGORITHM, e );
		}
	}
}
