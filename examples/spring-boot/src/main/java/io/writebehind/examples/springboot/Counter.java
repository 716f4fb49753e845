package io.writebehind.examples.springboot;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** The views and likes of one page: many increments on few ids, written behind. */
@Entity
@Table(name = "example_counter")
@WriteBehindEntity
public class Counter {

	@Id
	private String id;

	@Version
	private Long version;

	private long views;

	private long likes;

	protected Counter() {
	}

	public Counter(String id) {
		this.id = id;
	}

	public String getId() {
		return id;
	}

	public Long getVersion() {
		return version;
	}

	public long getViews() {
		return views;
	}

	public long getLikes() {
		return likes;
	}

	void view() {
		views++;
	}

	void like() {
		likes++;
	}
}
