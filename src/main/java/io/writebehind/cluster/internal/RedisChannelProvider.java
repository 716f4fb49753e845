package io.writebehind.cluster.internal;

import io.writebehind.cluster.CoherenceChannel;
import io.writebehind.cluster.CoherenceChannelProvider;
import io.writebehind.internal.config.ClusterConfig;

/**
 * {@code cluster.channel=redis}: Redis pub/sub at {@code cluster.redis_uri} through Lettuce, an optional dependency
 * of the library.
 */
public final class RedisChannelProvider implements CoherenceChannelProvider {

	@Override
	public String name() {
		return ClusterConfig.REDIS;
	}

	@Override
	public CoherenceChannel create(Context context) {
		ClusterConfig config = ChannelContext.config( context );
		ChannelProviders.requireClass( "io.lettuce.core.RedisClient", name(), "Lettuce (io.lettuce:lettuce-core 6.x)" );
		return new RedisCoherenceChannel( config.redisUri, context.channelName(), context.logPrefix(),
				config.redisTrustedCertificates );
	}
}
