package io.writebehind.hibernate;

import static org.hibernate.proxy.HibernateProxy.extractLazyInitializer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.hibernate.LockMode;
import org.hibernate.engine.spi.EntityKey;
import org.hibernate.event.spi.EventSource;
import org.hibernate.engine.spi.Status;
import org.hibernate.event.spi.PostLoadEvent;
import org.hibernate.event.spi.PostLoadEventListener;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.OneToOneType;
import org.hibernate.type.Type;
import org.hibernate.type.TypeHelper;

import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.cache.EntityState;
import io.writebehind.internal.queue.EntityRegion;

/**
 * Turns a cached {@link EntityState} into a managed entity of a session with no SQL: the same steps Hibernate takes for
 * a second-level cache hit ({@code CacheLoadHelper.convertCacheEntryToEntity}, which is private), followed by the
 * post-load event, so JPA {@code @PostLoad} callbacks run as for a database load.
 */
final class CachedEntityLoader {

	/**
	 * Per entity of this loader's factory: the opted-in entities that own the inverse ({@code mappedBy}) one-to-ones
	 * it has. Filled by the application threads' loads (a concurrent map); one loader per SessionFactory, held by its
	 * {@link WriteBehindInstallation}, so nothing of a closed factory stays reachable from here.
	 */
	private final ConcurrentHashMap<EntityPersister, List<String>> inverseOneToOneOwners = new ConcurrentHashMap<>();

	CachedEntityLoader() {
	}

	/**
	 * Hibernate resolves the inverse side of a one-to-one ({@code @OneToOne(mappedBy = ...)}) while it assembles the
	 * entity, with a query on the owner's table by the owner's foreign key: the cache cannot answer it. When the owner
	 * is opted in and has writes the database does not have yet, that query would find a removed owner or miss a new
	 * one, so the pending writes are flushed first (bounded by {@code read_flush_timeout_ms}; a read never returns a
	 * stale owner). Package-private so that a load from the database (a cache miss) can do the same first.
	 */
	void flushOwnersOfInverseOneToOnes(EntityPersister persister, EventSource session) {
		List<String> owners = inverseOneToOneOwners.computeIfAbsent( persister, CachedEntityLoader::inverseOneToOneOwners );
		if ( owners.isEmpty() ) {
			return;
		}
		WriteBehindRuntime runtime = WriteBehindRuntime.of( session.getFactory() );
		if ( runtime == null ) {
			return;
		}
		for ( String owner : owners ) {
			EntityRegion region = runtime.regionOf( owner );
			if ( region != null && region.pendingCount() > 0 ) {
				ReadFlush.flushOrFail( runtime, null, () -> "Loading " + persister.getEntityName()
						+ " resolves the inverse side of a one-to-one owned by " + owner + ", which has writes "
						+ "the database does not have yet, and they could not be flushed" );
				return;
			}
		}
	}

	private static List<String> inverseOneToOneOwners(EntityPersister persister) {
		List<String> owners = new ArrayList<>();
		for ( Type type : persister.getPropertyTypes() ) {
			if ( type instanceof OneToOneType oneToOne && !oneToOne.isReferenceToPrimaryKey() ) {
				owners.add( oneToOne.getAssociatedEntityName() );
			}
		}
		return owners.isEmpty() ? List.of() : List.copyOf( owners );
	}

	/**
	 * The managed entity built from the cached state, or {@code null} when the cached entity is not an instance of
	 * the requested entity type (a sibling subclass of the same hierarchy: {@code find(Truck.class, id)} of a Car), as
	 * the database would answer, with nothing added to the persistence context.
	 */
	Object load(EntityState entry, Object id, Object instanceToLoad, EntityPersister persister, EventSource session) {
		if ( !persister.isSubclassEntityName( entry.getSubclass() ) ) {
			return null;
		}
		// mostly the requested entity itself: no look-up by name
		String subclass = entry.getSubclass();
		var subclassPersister = subclass.equals( persister.getEntityName() ) ? persister
				: session.getFactory().getMappingMetamodel().getEntityDescriptor( subclass );
		flushOwnersOfInverseOneToOnes( subclassPersister, session );
		var persistenceContext = session.getPersistenceContextInternal();
		EntityKey entityKey = session.generateEntityKey( id, persister );
		var oldHolder = persistenceContext.getEntityHolder( entityKey );

		Object entity;
		if ( instanceToLoad != null ) {
			entity = instanceToLoad;
		}
		else if ( oldHolder != null && oldHolder.getEntity() != null && !oldHolder.isInitialized() ) {
			entity = oldHolder.getEntity();
		}
		else {
			entity = subclassPersister.instantiate( id, session );
		}

		var holder = persistenceContext.addEntityHolder( entityKey, entity );
		Object proxy = holder.getProxy();
		boolean readOnly;
		if ( proxy != null ) {
			var lazyInitializer = extractLazyInitializer( proxy );
			lazyInitializer.setImplementation( entity );
			readOnly = lazyInitializer.isReadOnly();
		}
		else {
			readOnly = session.isDefaultReadOnly();
		}
		// circular-reference safe: the entity is LOADING while its associations are assembled
		holder.setEntityEntry( persistenceContext.addEntry( entity, Status.LOADING, null, null, id, entry.getVersion(),
				LockMode.NONE, true, persister, false ) );

		Object[] values = entry.assemble( entity, id, subclassPersister, session );
		TypeHelper.deepCopy( values, subclassPersister.getPropertyTypes(), subclassPersister.getPropertyUpdateability(),
				values, session );
		Object version = subclassPersister.isVersioned() ? values[subclassPersister.getVersionPropertyIndex()] : null;
		var entityEntry = persistenceContext.addEntry( entity, readOnly ? Status.READ_ONLY : Status.MANAGED, values,
				null, id, version, LockMode.NONE, true, subclassPersister, false );
		holder.setEntityEntry( entityEntry );
		subclassPersister.afterInitialize( entity, session );
		entityEntry.postLoad( entity );
		persistenceContext.initializeNonLazyCollections();

		PostLoadEvent postLoad = new PostLoadEvent( id, subclassPersister, entity, session );
		session.getFactory().getEventListenerGroups().eventListenerGroup_POST_LOAD
				.fireEventOnEachListener( postLoad, PostLoadEventListener::onPostLoad );
		return entity;
	}
}
