package io.writebehind.examples.demo;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** An ordinary entity: every commit writes it to the database, in the application's transaction. */
@Entity
@Table(name = "demo_plain_counter")
public class PlainCounter extends Counter {

	protected PlainCounter() {
	}

	public PlainCounter(long id) {
		super( id );
	}
}
