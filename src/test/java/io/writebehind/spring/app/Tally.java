package io.writebehind.spring.app;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** The write-behind entity of the Spring tests: an assigned id, a version, a counter and a short label. */
@Entity
@Table(name = "wb_tally")
@WriteBehindEntity
public class Tally {

	@Id
	private Long id;

	@Version
	private Long version;

	private long total;

	/** At most 8 characters: a longer label is a write the database refuses for good. */
	@Column(length = 8)
	private String label;

	protected Tally() {
	}

	public Tally(Long id, String label) {
		this.id = id;
		this.label = label;
	}

	public Long getId() {
		return id;
	}

	public Long getVersion() {
		return version;
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

	public String getLabel() {
		return label;
	}

	public void setLabel(String label) {
		this.label = label;
	}
}
