package io.writebehind.concurrency;

import java.io.Serializable;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * A versioned counter whose id runs a hook of the current thread whenever it is hashed, so that a test can hold a
 * thread at a moment no callback of write-behind reaches: every lookup of the id in write-behind's maps and cache
 * (the pending writes, the load stamps, the Caffeine cache and its frequency sketch) hashes it.
 */
@Entity
@Table(name = "wb_hooked_id")
@WriteBehindEntity
public class HookedIdEntity {

	@Embeddable
	public static class Key implements Serializable {

		private static final long serialVersionUID = 1L;

		/** The hook of the current thread, run by every {@code hashCode()} of a key on that thread (not re-entered). */
		static final ThreadLocal<Runnable> ON_HASH_CODE = new ThreadLocal<>();
		private static final ThreadLocal<Boolean> IN_HOOK = new ThreadLocal<>();

		@Column(name = "key_value")
		private long value;

		protected Key() {
		}

		public Key(long value) {
			this.value = value;
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof Key other && other.value == value;
		}

		@Override
		public int hashCode() {
			Runnable hook = ON_HASH_CODE.get();
			if ( hook != null && IN_HOOK.get() == null ) {
				IN_HOOK.set( Boolean.TRUE );
				try {
					hook.run();
				}
				finally {
					IN_HOOK.remove();
				}
			}
			return Long.hashCode( value );
		}

		@Override
		public String toString() {
			return Long.toString( value );
		}
	}

	@EmbeddedId
	private Key id;

	@Version
	private int version;

	private long total;

	protected HookedIdEntity() {
	}

	public Key getId() {
		return id;
	}

	public int getVersion() {
		return version;
	}

	public long getTotal() {
		return total;
	}

	public void increment() {
		total++;
	}
}
