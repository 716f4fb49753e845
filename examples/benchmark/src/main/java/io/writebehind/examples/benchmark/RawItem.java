package io.writebehind.examples.benchmark;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/**
 * Only here so that Hibernate creates {@code bench_raw}, a table identical to {@code bench_wb}, which the drain-rate
 * scenario writes with raw JDBC; never written through Hibernate.
 */
@Entity
@Table(name = "bench_raw")
public class RawItem extends Item {

	protected RawItem() {
	}
}
