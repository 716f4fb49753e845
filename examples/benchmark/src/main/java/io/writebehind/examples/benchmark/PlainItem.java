package io.writebehind.examples.benchmark;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** An {@link Item} written by plain Hibernate, in the application's transaction. */
@Entity
@Table(name = "bench_plain")
public class PlainItem extends Item {

	protected PlainItem() {
	}

	public PlainItem(long id) {
		super( id );
	}
}
