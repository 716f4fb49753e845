package io.writebehind.cluster;

import java.util.Map;

import io.writebehind.WriteBehindSettings;

/** The scenarios of {@link LeaseJournalTestBase} with PostgreSQL LISTEN/NOTIFY. */
class LeaseJournalPostgresTest extends LeaseJournalTestBase {

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
