package io.writebehind.examples.benchmark;

import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/**
 * The floor of the commit-cost scenario: an {@link Item} in Hibernate's own second-level cache (hibernate-jcache on an
 * in-heap Caffeine JCache), whose UPDATE statement {@link NoUpdatePersister} drops. Not a write-behind entity.
 */
@Entity
@Table(name = "bench_l2")
@Cacheable
@Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
public class CachedItem extends Item {

	protected CachedItem() {
	}

	public CachedItem(long id) {
		super( id );
	}
}
