package io.writebehind.concurrency;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * The entity of the randomized model tests: assigned id, version, and a few fields that every operation changes.
 * {@link #stamp} is a number taken from a global counter after the transaction read the entity, so that the tests
 * can order the committed states of one id (see {@link RandomizedModelTest}).
 */
@Entity
@Table(name = "wb_model")
@WriteBehindEntity
public class ModelEntity {

	@Id
	private Long id;

	@Version
	private int version;

	private String name;

	private long amount;

	private long stamp;

	protected ModelEntity() {
	}

	public ModelEntity(Long id, String name, long amount, long stamp) {
		this.id = id;
		this.name = name;
		this.amount = amount;
		this.stamp = stamp;
	}

	public Long getId() {
		return id;
	}

	public int getVersion() {
		return version;
	}

	public String getName() {
		return name;
	}

	public long getAmount() {
		return amount;
	}

	public long getStamp() {
		return stamp;
	}

	public void change(String name, long amount, long stamp) {
		this.name = name;
		this.amount = amount;
		this.stamp = stamp;
	}
}
