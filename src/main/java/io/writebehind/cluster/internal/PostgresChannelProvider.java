package io.writebehind.cluster.internal;

import io.writebehind.cluster.CoherenceChannel;
import io.writebehind.cluster.CoherenceChannelProvider;
import io.writebehind.internal.config.ClusterConfig;

/**
 * {@code cluster.channel=postgresql}: PostgreSQL {@code LISTEN/NOTIFY} at {@code cluster.postgresql_url} (by default
 * the unit's own database). Needs the PostgreSQL JDBC driver, an optional dependency of the library.
 */
public final class PostgresChannelProvider implements CoherenceChannelProvider {

	@Override
	public String name() {
		return ClusterConfig.POSTGRESQL;
	}

	@Override
	public CoherenceChannel create(Context context) {
		ClusterConfig config = ChannelContext.config( context );
		ChannelProviders.requireClass( "org.postgresql.PGConnection", name(),
				"the PostgreSQL JDBC driver (org.postgresql:postgresql)" );
		return new PostgresCoherenceChannel( config.postgresqlUrl, config.postgresqlUser, config.postgresqlPassword,
				context.channelName(), context.logPrefix() );
	}
}
