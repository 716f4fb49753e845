package io.writebehind.examples.benchmark;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The performance goals (issue 16) in one table per database, read from the figures the scenarios measured in this
 * run: drain rate against raw JDBC (scenario 3), commit cost against Hibernate's own cached transaction (10), bytes
 * per pending write (5) and database rows per update at the defaults (2). A goal whose scenario did not run says so.
 */
final class Goals {

	private record Goal(String name, String target, boolean atMost, double limit, Double measured) {
		String verdict() {
			if ( measured == null || measured.isNaN() ) {
				return "not run";
			}
			return ( atMost ? measured <= limit : measured >= limit ) ? "met" : "NOT met";
		}
	}

	private Goals() {
	}

	@SuppressWarnings("unchecked")
	static Map<String, Object> print(String database, Map<String, Object> scenarios, PrintStream out) {
		Map<String, Object> drain = (Map<String, Object>) scenarios.get( "drain" );
		Map<String, Object> commit = (Map<String, Object>) scenarios.get( "commit" );
		Map<String, Object> memory = (Map<String, Object>) scenarios.get( "memory" );
		Map<String, Object> hotkey = (Map<String, Object>) scenarios.get( "hotkey" );
		List<Goal> goals = List.of(
				new Goal( "1. drain, inserts: flusher / raw JDBC executeBatch", ">= 0.9x", false, 0.9,
						at( drain, "inserts", "flusherOverRaw" ) ),
				new Goal( "1. drain, versioned updates: flusher / raw JDBC", ">= 0.9x", false, 0.9,
						at( drain, "updates", "flusherOverRaw" ) ),
				new Goal( "1. drain, versioned deletes: flusher / raw JDBC", ">= 0.9x", false, 0.9,
						at( drain, "deletes", "flusherOverRaw" ) ),
				new Goal( "2. commit, thread CPU: write-behind / Hibernate's cached tx", "<= 0.85x", true, 0.85,
						at( commit, "ratios", "threadCpuWriteBehindOverFloor" ) ),
				new Goal( "2. commit, process CPU: write-behind / Hibernate's cached tx", "<= 1.3x", true, 1.3,
						at( commit, "ratios", "processCpuWriteBehindOverFloor" ) ),
				new Goal( "3. heap bytes per pending write", "<= 200", true, 200,
						memory == null ? null : number( memory.get( "bytesPerPendingWrite" ) ) ),
				new Goal( "4. database rows per update, 4 threads on 1,000 hot ids, defaults", "<= 0.02", true, 0.02,
						hotkey == null ? null : number( ( (List<Map<String, Object>>) hotkey.get( "variants" ) ).get( 0 )
								.get( "databaseWritesPerUpdate" ) ) ) );
		Table table = new Table( "goals (issue 16) on " + database + ", from this run's figures", "goal", "target",
				"measured", "verdict" );
		Map<String, Object> json = new LinkedHashMap<>();
		for ( Goal goal : goals ) {
			table.row( goal.name, goal.target, goal.measured == null ? "-" : Table.f( goal.measured, 3 ), goal.verdict() );
			Map<String, Object> g = new LinkedHashMap<>();
			g.put( "target", goal.target );
			g.put( "measured", goal.measured );
			g.put( "verdict", goal.verdict() );
			json.put( goal.name, g );
		}
		table.print( out );
		Double bypass = at( drain, "insertsStoreBypass", "flusherOverRaw" );
		if ( bypass != null ) {
			// not a goal: what the read cache costs the flusher per inserted row, left out
			out.println( "  for reference (not a goal): drain, inserts committed with CacheStoreMode.BYPASS (no read-cache"
					+ " entry kept): flusher / raw JDBC " + Table.f( bypass, 3 ) );
			json.put( "reference: drain, inserts committed with CacheStoreMode.BYPASS", bypass );
		}
		return json;
	}

	@SuppressWarnings("unchecked")
	private static Double at(Map<String, Object> scenario, String group, String key) {
		if ( scenario == null || !( scenario.get( group ) instanceof Map<?, ?> map ) ) {
			return null;
		}
		return number( ( (Map<String, Object>) map ).get( key ) );
	}

	private static Double number(Object value) {
		return value instanceof Number n ? n.doubleValue() : null;
	}
}
