package io.writebehind;

import org.hibernate.HibernateException;

/**
 * Thrown when the {@code EntityManagerFactory} starts with a bad {@code hibernate.writebehind.*} setting or with an
 * opted-in entity whose mapping write-behind cannot write correctly. The message names the setting or the entity and
 * attribute, the bad value, and the fix.
 */
public class WriteBehindConfigurationException extends HibernateException {

	public WriteBehindConfigurationException(String message) {
		super( message );
	}

	public WriteBehindConfigurationException(String message, Throwable cause) {
		super( message, cause );
	}
}
