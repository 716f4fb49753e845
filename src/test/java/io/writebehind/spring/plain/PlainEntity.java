package io.writebehind.spring.plain;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An entity that is not opted in: a factory with only this one has no write-behind. */
@Entity
@Table(name = "wb_plain")
public class PlainEntity {

	@Id
	private Long id;

	private String name;

	protected PlainEntity() {
	}

	public PlainEntity(Long id, String name) {
		this.id = id;
		this.name = name;
	}

	public Long getId() {
		return id;
	}

	public String getName() {
		return name;
	}
}
