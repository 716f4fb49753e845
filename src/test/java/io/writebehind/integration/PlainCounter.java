package io.writebehind.integration;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** The same shape as {@link io.writebehind.model.Counter}, not opted in: what plain Hibernate does. */
@Entity
@Table(name = "wb_plain_counter")
public class PlainCounter {

	@Id
	private Long id;

	@Version
	private long version;

	private long total;

	protected PlainCounter() {
	}

	public PlainCounter(Long id, long total) {
		this.id = id;
		this.total = total;
	}

	public void increment() {
		total++;
	}
}
