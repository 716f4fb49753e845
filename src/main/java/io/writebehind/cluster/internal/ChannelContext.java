package io.writebehind.cluster.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.writebehind.cluster.CoherenceChannelProvider;
import io.writebehind.internal.config.ClusterConfig;

/**
 * What a {@link CoherenceChannelProvider} is given; the library's own providers also read the validated
 * {@link ClusterConfig} from it. Immutable.
 */
record ChannelContext(String unitName, String channelName, String logPrefix, Map<String, Object> channelSettings,
		Map<String, Object> settings, ClusterConfig config) implements CoherenceChannelProvider.Context {

	ChannelContext {
		channelSettings = Collections.unmodifiableMap( new LinkedHashMap<>( channelSettings ) );
		settings = Collections.unmodifiableMap( new LinkedHashMap<>( settings ) );
	}

	/** The validated cluster settings, for the library's own providers (which are only ever given this context). */
	static ClusterConfig config(CoherenceChannelProvider.Context context) {
		if ( context instanceof ChannelContext own ) {
			return own.config();
		}
		throw new IllegalArgumentException( "not write-behind's own channel context: " + context );
	}
}
