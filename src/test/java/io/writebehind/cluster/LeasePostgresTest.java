package io.writebehind.cluster;

import java.util.Map;

import io.writebehind.WriteBehindSettings;

import io.writebehind.testing.NeedsServers;

/** The scenarios of {@link LeaseTestBase} with PostgreSQL LISTEN/NOTIFY. */
@NeedsServers
class LeasePostgresTest extends LeaseTestBase {

	@Override
	protected Map<String, Object> channelProperties() {
		return Map.of( WriteBehindSettings.CLUSTER_CHANNEL, "postgresql",
				WriteBehindSettings.CLUSTER_POSTGRESQL_URL, ClusterServers.postgresqlUrl() );
	}

	@Override
	protected void requireServer() {
		ClusterServers.requirePostgresql();
	}
}
