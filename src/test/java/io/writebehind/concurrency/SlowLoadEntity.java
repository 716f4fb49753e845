package io.writebehind.concurrency;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.PostLoad;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * An entity whose JPA {@code @PostLoad} callback runs a hook of the current thread, so that a test can hold a reader
 * between "the row was read from the database" and "write-behind cached it" (JPA callbacks run before write-behind's
 * post-load listener, which is appended after Hibernate's own).
 */
@Entity
@Table(name = "wb_slow_load")
@WriteBehindEntity
public class SlowLoadEntity {

	/** The hook of the current thread, run by every {@code @PostLoad} of this entity on that thread. */
	static final ThreadLocal<Runnable> ON_POST_LOAD = new ThreadLocal<>();

	@Id
	private Long id;

	@Version
	private int version;

	private String name;

	protected SlowLoadEntity() {
	}

	public SlowLoadEntity(Long id, String name) {
		this.id = id;
		this.name = name;
	}

	@PostLoad
	void postLoad() {
		Runnable hook = ON_POST_LOAD.get();
		if ( hook != null ) {
			hook.run();
		}
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

	public void setName(String name) {
		this.name = name;
	}
}
