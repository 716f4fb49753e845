package io.writebehind.examples.benchmark;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** An {@link Item} written through write-behind. */
@Entity
@Table(name = "bench_wb")
@WriteBehindEntity
public class WbItem extends Item {

	protected WbItem() {
	}

	public WbItem(long id) {
		super( id );
	}
}
