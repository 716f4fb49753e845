package io.writebehind.model;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** A write-behind entity with an assigned id and a version: the common case. */
@Entity
@Table(name = "wb_counter")
@WriteBehindEntity
public class Counter {

	@Id
	private Long id;

	@Version
	private long version;

	private String name;

	private long total;

	protected Counter() {
	}

	public Counter(Long id, String name, long total) {
		this.id = id;
		this.name = name;
		this.total = total;
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

	public void setName(String name) {
		this.name = name;
	}

	public long getTotal() {
		return total;
	}

	public void setTotal(long total) {
		this.total = total;
	}

	public void increment() {
		total++;
	}
}
