package io.writebehind.examples.benchmark;

import javax.cache.Cache;
import javax.cache.configuration.MutableConfiguration;

import org.hibernate.cache.jcache.internal.JCacheRegionFactory;

/**
 * hibernate-jcache's region factory, creating its caches store-by-reference. JCache's default configuration is
 * store-by-value, which makes Caffeine's provider copy every entry through Java serialization on each put and get;
 * Hibernate's cache entries are already disassembled, immutable states, so by reference is how an in-heap second-level
 * cache is run, and the fastest floor to compare with.
 */
public class InHeapJCacheRegionFactory extends JCacheRegionFactory {

	@Override
	protected Cache<Object, Object> createCache(String regionName) {
		return getCacheManager().createCache( regionName, new MutableConfiguration<>().setStoreByValue( false ) );
	}
}
