package io.writebehind.hibernate;

import java.util.function.Supplier;

import org.hibernate.CacheMode;
import org.hibernate.Hibernate;
import org.hibernate.HibernateException;
import org.hibernate.LockMode;
import org.hibernate.engine.spi.EntityEntry;
import org.hibernate.event.spi.DeleteContext;
import org.hibernate.event.spi.DeleteEvent;
import org.hibernate.event.spi.DeleteEventListener;
import org.hibernate.event.spi.LoadEvent;
import org.hibernate.event.spi.RefreshContext;
import org.hibernate.event.spi.RefreshEvent;
import org.hibernate.event.spi.RefreshEventListener;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.proxy.HibernateProxy;
import org.hibernate.proxy.LazyInitializer;

import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.orm.DatasourceLoadListener;
import io.writebehind.internal.cache.EntityState;
import io.writebehind.internal.queue.EntityRegion;

/** The listeners that serve reads of opted-in entities from the write-behind cache. */
final class CacheReadListeners {

	private CacheReadListeners() {
	}

	/**
	 * The "load from the database" step of Hibernate's load listener ({@link DatasourceLoadListener}): for an opted-in
	 * entity the cache serves it when it knows the id, the latest committed state with no SQL, or "not found" after a
	 * committed remove. Everything before that step (persistence context, proxies, natural ids) stays Hibernate's own.
	 */
	static final class Load implements DatasourceLoadListener.DatasourceLoad {
		private final WriteBehindInstallation installation;

		Load(WriteBehindInstallation installation) {
			this.installation = installation;
		}

		@Override
		public Object load(LoadEvent event, EntityPersister persister, Supplier<Object> database) {
			EntityRegion region = installation.regionOf( persister, event.getSession() );
			if ( region != null ) {
				if ( event.getLockMode().greaterThan( LockMode.READ ) ) {
					// a database lock is asked for: the database must first hold what was committed
					ReadFlush.flushOrFail( installation.runtime(), null, () -> "The pending writes could not be "
							+ "flushed before a load of " + persister.getEntityName() + " with lock mode "
							+ event.getLockMode() + " (the lock needs the row in the database)" );
				}
				else {
					Object id = event.getEntityId();
					TransactionWrites own = installation.ownWrites( event.getSession() );
					if ( own != null ) {
						EntitySnapshot mine = own.latest( region, id );
						if ( mine != null ) {
							// written by this transaction and flushed, not committed yet, and no longer in the session
							// (removed, or cleared): the transaction reads its own write, as it would from the database
							return mine.isDeleted() ? null : installation.loader().load( mine.entry(), id,
									event.getInstanceToLoad(), persister, event.getSession() );
						}
					}
					// JPA's cache modes (Hibernate's CacheMode): with CacheRetrieveMode.BYPASS the clean entry is not
					// read (the database is), but a pending write is: the database does not hold it yet; with
					// CacheStoreMode.BYPASS what is read from the database is not stored
					CacheMode mode = event.getSession().getCacheMode();
					EntitySnapshot snapshot = mode.isGetEnabled() ? region.read( id ) : region.readPending( id );
					if ( snapshot != null ) {
						return snapshot.isDeleted() ? null : installation.loader().load( snapshot.entry(),
								id, event.getInstanceToLoad(), persister, event.getSession() );
					}
					// a miss: read the database, and cache what was read unless a write of the id reached the
					// database meanwhile (the row read may then be older than what the cache knew)
					installation.loader().flushOwnersOfInverseOneToOnes( persister, event.getSession() );
					long stamp = region.stamp( id );
					Object entity = database.get();
					if ( entity != null && mode.isPutEnabled() ) {
						EntityEntry entry = event.getSession().getPersistenceContextInternal().getEntry( entity );
						if ( entry != null && entry.getLoadedState() != null ) {
							EntitySnapshot loaded = EntitySnapshot.of( EntityState.capture( entry.getLoadedState(),
									entry.getPersister(), entry.getVersion(), event.getSession(), entity ) );
							if ( mode == CacheMode.REFRESH ) {
								// CacheStoreMode.REFRESH with CacheRetrieveMode.BYPASS: the row read replaces the clean
								// entry whatever its version, as Hibernate's own cache is refreshed
								region.refreshed( id, loaded, stamp );
							}
							else {
								region.loaded( id, loaded, stamp );
							}
						}
					}
					return entity;
				}
			}
			return database.get();
		}
	}

	/**
	 * Removing an uninitialised proxy of an opted-in entity would delete the row at once, without the pre-delete event
	 * write-behind intercepts; initialise it first (from the cache, usually with no SQL).
	 */
	static final class InitializeProxyBeforeDelete implements DeleteEventListener {
		private final WriteBehindInstallation installation;

		InitializeProxyBeforeDelete(WriteBehindInstallation installation) {
			this.installation = installation;
		}

		@Override
		public void onDelete(DeleteEvent event) throws HibernateException {
			initialize( event.getObject() );
		}

		@Override
		public void onDelete(DeleteEvent event, DeleteContext transientEntities) throws HibernateException {
			initialize( event.getObject() );
		}

		private void initialize(Object object) {
			LazyInitializer lazy = HibernateProxy.extractLazyInitializer( object );
			if ( lazy != null && lazy.isUninitialized() && installation.regionOf( lazy.getEntityName() ) != null ) {
				Hibernate.initialize( object );
			}
		}
	}

	/**
	 * {@code refresh} reads the database: pending writes are flushed first, so it returns the latest committed state
	 * (and a conflict found by that flush shows as the database's state).
	 */
	static final class FlushBeforeRefresh implements RefreshEventListener {
		private final WriteBehindInstallation installation;

		FlushBeforeRefresh(WriteBehindInstallation installation) {
			this.installation = installation;
		}

		@Override
		public void onRefresh(RefreshEvent event) throws HibernateException {
			flushIfPending( event );
		}

		@Override
		public void onRefresh(RefreshEvent event, RefreshContext refreshedAlready) throws HibernateException {
			flushIfPending( event );
		}

		private void flushIfPending(RefreshEvent event) {
			Object object = event.getObject();
			EntityEntry entry = event.getSession().getPersistenceContextInternal().getEntry( object );
			if ( entry == null ) {
				return;
			}
			EntityRegion region = installation.regionOf( entry.getPersister(), event.getSession() );
			if ( region != null && region.isPending( entry.getId() ) ) {
				ReadFlush.flushOrFail( installation.runtime(), null, () -> "The pending writes could not be "
						+ "flushed before the refresh of " + region.entityName() + "#" + entry.getId()
						+ " (refresh reads the database)" );
			}
		}
	}

	/**
	 * An inverse collection whose elements are opted in is read with a query on their table, which lags behind the
	 * committed writes: flush those first.
	 */
	static final class FlushBeforeCollectionLoad implements org.hibernate.event.spi.InitializeCollectionEventListener {
		private final WriteBehindInstallation installation;

		FlushBeforeCollectionLoad(WriteBehindInstallation installation) {
			this.installation = installation;
		}

		@Override
		public void onInitializeCollection(org.hibernate.event.spi.InitializeCollectionEvent event) {
			var collection = event.getCollection();
			if ( collection.wasInitialized() ) {
				return;
			}
			var entry = event.getSession().getPersistenceContextInternal().getCollectionEntry( collection );
			var persister = entry == null ? null : entry.getLoadedPersister();
			if ( persister == null || persister.getElementPersister() == null ) {
				return;
			}
			EntityRegion region = installation.regionOf( persister.getElementPersister(), event.getSession() );
			if ( region != null && region.pendingCount() > 0 ) {
				ReadFlush.flushOrFail( installation.runtime(), java.util.List.of( region ), () -> "The pending writes "
						+ "of " + region.entityName() + " could not be flushed before the load of the collection "
						+ persister.getRole() + " (it is read with a query on their table)" );
			}
		}
	}
}
