package io.writebehind.examples.benchmark;

import jakarta.persistence.Column;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;
import jakarta.persistence.Version;

/** The fields every benchmark table has: an assigned id, a version, a short name and an amount. */
@MappedSuperclass
public abstract class Item {

	@Id
	private Long id;

	@Version
	private long version;

	@Column(length = 40)
	private String name;

	private long amount;

	protected Item() {
	}

	protected Item(long id) {
		this.id = id;
		this.name = "item-" + id;
		this.amount = id % 1_000;
	}

	public Long getId() {
		return id;
	}

	public long getVersion() {
		return version;
	}

	public String getName() {
		return name;
	}

	public long getAmount() {
		return amount;
	}

	public void add(long delta) {
		amount += delta;
	}
}
