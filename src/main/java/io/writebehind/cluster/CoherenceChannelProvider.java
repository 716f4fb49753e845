package io.writebehind.cluster;

import java.util.Map;

/**
 * Creates the {@link CoherenceChannel} of a persistence unit (SPI). Write-behind finds providers with
 * {@link java.util.ServiceLoader} (through Hibernate's {@code ClassLoaderService}): list the implementation's class
 * name in {@code META-INF/services/io.writebehind.cluster.CoherenceChannelProvider} (or {@code provides} it in a
 * {@code module-info}), and choose it by its {@link #name()}: {@code hibernate.writebehind.cluster.channel=nats}. The
 * library's own are {@code postgresql} and {@code redis}. A name no provider has fails the boot, listing the names
 * found.
 * <p>
 * A provider's own settings go under {@code hibernate.writebehind.cluster.<name>.}: write-behind accepts those keys
 * when the provider is chosen, and hands them to it by {@link Context#channelSettings()}. A provider checks them in
 * {@link #create} and throws {@link io.writebehind.WriteBehindConfigurationException} (or
 * {@link IllegalArgumentException}) naming the key and the bad value; the boot then fails with that message (never
 * quote a password or token in it).
 */
public interface CoherenceChannelProvider {

	/**
	 * The short name that chooses this provider in {@code hibernate.writebehind.cluster.channel}: lower case letters,
	 * digits, {@code _} and {@code -}, not {@code none}.
	 */
	String name();

	/**
	 * Creates the unit's channel (called once, at boot, before {@link CoherenceChannel#start}); connects nothing yet.
	 */
	CoherenceChannel create(Context context);

	/** What a provider is given. */
	interface Context {

		/** The persistence unit's name. */
		String unitName();

		/**
		 * The channel (topic, subject) every node of the unit uses: {@code cluster.channel_name}, by default
		 * {@code writebehind_} and the unit's name.
		 */
		String channelName();

		/** The prefix of the unit's log lines, {@code "[write-behind <unit>] "}: start the channel's lines with it. */
		String logPrefix();

		/**
		 * The provider's own settings, {@code hibernate.writebehind.cluster.<name>.*}, keyed by what follows that
		 * prefix ({@code url} for {@code hibernate.writebehind.cluster.nats.url}), values as given.
		 */
		Map<String, Object> channelSettings();

		/** Every setting of the persistence unit, as given to Hibernate (read-only). */
		Map<String, Object> settings();
	}
}
