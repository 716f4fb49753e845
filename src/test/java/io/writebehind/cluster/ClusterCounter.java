package io.writebehind.cluster;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * A hot counter incremented by several nodes: besides the total, each node's increments are counted in a column of its
 * own, so that a failed write of one node tells exactly how many of that node's increments it held.
 */
@Entity
@Table(name = "wb_cluster_counter")
@WriteBehindEntity
public class ClusterCounter {

	@Id
	private Long id;

	@Version
	private long version;

	private long total;
	private long node0;
	private long node1;
	private long node2;

	protected ClusterCounter() {
	}

	public ClusterCounter(Long id) {
		this.id = id;
	}

	public Long getId() {
		return id;
	}

	public long getVersion() {
		return version;
	}

	public long getTotal() {
		return total;
	}

	public void increment(int node) {
		total++;
		switch ( node ) {
			case 0 -> node0++;
			case 1 -> node1++;
			case 2 -> node2++;
			default -> throw new IllegalArgumentException( "node " + node );
		}
	}

	/** The increments of a node in this state. */
	public long of(int node) {
		return switch ( node ) {
			case 0 -> node0;
			case 1 -> node1;
			case 2 -> node2;
			default -> throw new IllegalArgumentException( "node " + node );
		};
	}
}
