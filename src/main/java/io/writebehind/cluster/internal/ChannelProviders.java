package io.writebehind.cluster.internal;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.hibernate.boot.registry.classloading.spi.ClassLoaderService;
import org.hibernate.engine.config.spi.ConfigurationService;
import org.hibernate.engine.spi.SessionFactoryImplementor;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;
import io.writebehind.cluster.CoherenceChannel;
import io.writebehind.cluster.CoherenceChannelProvider;
import io.writebehind.internal.config.ClusterConfig;

/**
 * Finds the {@link CoherenceChannelProvider} that {@code cluster.channel} names, through Hibernate's
 * {@link ClassLoaderService} (which runs {@link java.util.ServiceLoader} over the application's and Hibernate's class
 * loaders), and has it create the channel. Every problem fails the boot with a message naming the setting. Stateless.
 */
final class ChannelProviders {

	private ChannelProviders() {
	}

	static CoherenceChannel create(SessionFactoryImplementor factory, ClusterConfig config, String unitName,
			String logPrefix) {
		Map<String, CoherenceChannelProvider> providers = providers( factory, config.channel );
		CoherenceChannelProvider provider = providers.get( config.channel );
		if ( provider == null ) {
			throw new WriteBehindConfigurationException( WriteBehindSettings.CLUSTER_CHANNEL + " was '" + config.channel
					+ "', but no coherence channel provider of that name was found; the names found: none, "
					+ String.join( ", ", providers.keySet() ) + ". A provider is an implementation of "
					+ CoherenceChannelProvider.class.getName() + " listed in META-INF/services/"
					+ CoherenceChannelProvider.class.getName() + " on the class path" );
		}
		Map<String, Object> settings = factory.getServiceRegistry().requireService( ConfigurationService.class )
				.getSettings();
		ChannelContext context = new ChannelContext( unitName, config.channelName( unitName ), logPrefix,
				channelSettings( settings, config.providerPrefix() ), settings, config );
		CoherenceChannel channel;
		try {
			channel = provider.create( context );
		}
		catch (WriteBehindConfigurationException e) {
			throw e;
		}
		catch (RuntimeException e) {
			throw new WriteBehindConfigurationException( WriteBehindSettings.CLUSTER_CHANNEL + " was '" + config.channel
					+ "': its provider " + provider.getClass().getName() + " could not create the channel: "
					+ e.getMessage(), e );
		}
		if ( channel == null ) {
			throw new WriteBehindConfigurationException( WriteBehindSettings.CLUSTER_CHANNEL + " was '" + config.channel
					+ "': its provider " + provider.getClass().getName() + " created no channel (null)" );
		}
		return channel;
	}

	/**
	 * The providers found, by name in lower case (sorted); two providers of the chosen name fail the boot (as the
	 * class path lists them, the choice between them would be arbitrary).
	 */
	private static Map<String, CoherenceChannelProvider> providers(SessionFactoryImplementor factory, String chosen) {
		Map<String, CoherenceChannelProvider> byName = new TreeMap<>();
		for ( CoherenceChannelProvider provider : factory.getServiceRegistry().requireService( ClassLoaderService.class )
				.loadJavaServices( CoherenceChannelProvider.class ) ) {
			String name = provider.name() == null ? "" : provider.name().trim().toLowerCase( Locale.ROOT );
			if ( name.isEmpty() || name.equals( ClusterConfig.NONE ) ) {
				continue;
			}
			CoherenceChannelProvider other = byName.putIfAbsent( name, provider );
			if ( other != null && name.equals( chosen ) && other.getClass() != provider.getClass() ) {
				throw new WriteBehindConfigurationException( WriteBehindSettings.CLUSTER_CHANNEL + " was '" + chosen
						+ "', and two coherence channel providers have that name: " + other.getClass().getName()
						+ " and " + provider.getClass().getName() + "; remove one of them from the class path" );
			}
		}
		return byName;
	}

	/** The settings under the provider's prefix, keyed by what follows it. */
	private static Map<String, Object> channelSettings(Map<String, Object> settings, String prefix) {
		Map<String, Object> own = new TreeMap<>();
		if ( prefix != null ) {
			settings.forEach( (key, value) -> {
				if ( key.startsWith( prefix ) && value != null ) {
					own.put( key.substring( prefix.length() ), value );
				}
			} );
		}
		return own;
	}

	/** Fails the boot when a channel's library is not on the class path. */
	static void requireClass(String className, String channel, String what) {
		try {
			Class.forName( className, false, ChannelProviders.class.getClassLoader() );
		}
		catch (ClassNotFoundException | LinkageError e) {
			throw new WriteBehindConfigurationException( WriteBehindSettings.CLUSTER_CHANNEL + " was '" + channel
					+ "', which needs " + what + " on the class path; add that dependency to the application" );
		}
	}
}
