package io.writebehind.hibernate;

import static org.hibernate.proxy.HibernateProxy.extractLazyInitializer;

import org.hibernate.LockMode;
import org.hibernate.engine.spi.EntityKey;
import org.hibernate.event.spi.EventSource;
import org.hibernate.engine.spi.Status;
import org.hibernate.event.spi.PostLoadEvent;
import org.hibernate.event.spi.PostLoadEventListener;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.TypeHelper;

import io.writebehind.internal.cache.EntityState;

/**
 * Turns a cached {@link EntityState} into a managed entity of a session with no SQL: the same steps Hibernate takes for
 * a second-level cache hit ({@code CacheLoadHelper.convertCacheEntryToEntity}, which is private), followed by the
 * post-load event, so JPA {@code @PostLoad} callbacks run as for a database load.
 */
final class CachedEntityLoader {

	private CachedEntityLoader() {
	}

	/**
	 * The managed entity built from the cached state, or {@code null} when the cached entity is not an instance of
	 * the requested entity type (a sibling subclass of the same hierarchy: {@code find(Truck.class, id)} of a Car), as
	 * the database would answer, with nothing added to the persistence context.
	 */
	static Object load(EntityState entry, Object id, Object instanceToLoad, EntityPersister persister, EventSource session) {
		if ( !persister.isSubclassEntityName( entry.getSubclass() ) ) {
			return null;
		}
		var subclassPersister = session.getFactory().getMappingMetamodel().getEntityDescriptor( entry.getSubclass() );
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
