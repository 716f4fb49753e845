package io.writebehind.cluster;

import java.util.Map;

import io.writebehind.WriteBehindSettings;

import io.writebehind.testing.NeedsServers;

/** The scenarios of {@link LeaseJournalTestBase} with Redis pub/sub (the shared server, a channel of the test's own). */
@NeedsServers
class LeaseJournalRedisTest extends LeaseJournalTestBase {

	@Override
	protected Map<String, Object> channelProperties() {
		return Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "redis", WriteBehindSettings.CLUSTER_REDIS_URI,
				ClusterServers.REDIS_URI );
	}

	@Override
	protected void requireServer() {
		ClusterServers.requireRedis();
	}
}
