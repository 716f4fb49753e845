package io.writebehind.examples.demo;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/**
 * The same fields as {@link PlainCounter}, opted in to write-behind: a commit puts its state in the write-behind cache
 * and queue, and the background flusher writes it to its own table later, in JDBC batches, with version checks.
 */
@Entity
@Table(name = "demo_wb_counter")
@WriteBehindEntity
public class WriteBehindCounter extends Counter {

	protected WriteBehindCounter() {
	}

	public WriteBehindCounter(long id) {
		super( id );
	}
}
