package io.writebehind.examples.benchmark;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * The counter of the two-node scenario: each node increments a column of its own, so that the database can be checked
 * node by node and id by id against what each node committed.
 */
@Entity
@Table(name = "bench_nodes")
@WriteBehindEntity
public class NodeCounter {

	@Id
	private Long id;

	@Version
	private long version;

	private long node0;

	private long node1;

	protected NodeCounter() {
	}

	public NodeCounter(long id) {
		this.id = id;
	}

	public Long getId() {
		return id;
	}

	public long getVersion() {
		return version;
	}

	public void increment(int node) {
		if ( node == 0 ) {
			node0++;
		}
		else {
			node1++;
		}
	}
}
