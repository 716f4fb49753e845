package io.writebehind.internal.flush;

import org.hibernate.StatelessSession;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.RowState;

/**
 * Reads the row of an id as the database holds it now, in a stateless session of its own (outside any flush
 * transaction): whether it exists, its version, the entity. The one place the flusher reads a row's version (a
 * recovered write's check, a re-base over the row, a conflict's "theirs", a write whose commit outcome was unknown).
 * Stateless; used by flusher threads.
 */
final class RowProbe {

	/** The row read: the entity ({@code null}: no row), and whether it exists with its version. */
	record Row(Object entity, RowState state, boolean versioned) {
	}

	/** What to do with the row while its session is open. */
	@FunctionalInterface
	interface WithRow<T> {
		T apply(Row row, EntityPersister root, SharedSessionContractImplementor session);
	}

	private final SessionFactoryImplementor factory;

	RowProbe(SessionFactoryImplementor factory) {
		this.factory = factory;
	}

	Row read(EntityRegion region, Object id) {
		return read( region.entityName(), id );
	}

	/** Reads the row of an entity ({@code entityName}: the region's root, or a subclass) by id. */
	Row read(String entityName, Object id) {
		return read( entityName, id, (row, root, session) -> row );
	}

	/** Reads the row, then hands it, with the entity's persister and the session still open, to {@code then}. */
	<T> T read(String entityName, Object id, WithRow<T> then) {
		try ( StatelessSession session = factory.openStatelessSession() ) {
			EntityPersister root = factory.getMappingMetamodel().getEntityDescriptor( entityName );
			Object entity = session.get( entityName, id );
			boolean exists = entity != null;
			Object version = exists && root.isVersioned() ? root.getVersion( entity ) : null;
			return then.apply( new Row( entity, new RowState( exists, version ), root.isVersioned() ),
					root, (SharedSessionContractImplementor) session );
		}
	}
}
