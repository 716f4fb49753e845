package io.writebehind.examples.demo;

import jakarta.persistence.Column;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;
import jakarta.persistence.Version;

/**
 * The fields both demo entities share: an assigned id, a version (optimistic locking), a name and a running total.
 * {@link PlainCounter} is an ordinary entity, {@link WriteBehindCounter} is the same thing opted in to write-behind.
 */
@MappedSuperclass
public abstract class Counter {

	@Id
	private Long id;

	@Version
	private long version;

	@Column(length = 40)
	private String name;

	private long total;

	protected Counter() {
	}

	protected Counter(long id) {
		this.id = id;
		this.name = "counter-" + id;
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

	public long getTotal() {
		return total;
	}

	public void add(long delta) {
		total += delta;
	}
}
