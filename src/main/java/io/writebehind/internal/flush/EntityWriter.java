package io.writebehind.internal.flush;

import java.io.Serializable;

import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.EntityType;
import org.hibernate.type.ManyToOneType;
import org.hibernate.type.Type;

import io.writebehind.FailedWrite.Operation;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.queue.FlushItem;

/**
 * Turns a pending write into the statements Hibernate's own mutation coordinators issue (the same calls a
 * {@code StatelessSession} makes), so that batching, multi-table inheritance and type binding are Hibernate's. Unlike
 * {@code StatelessSession.update}, the update writes the application's version as the new row version and checks the
 * version the row has in the database, which may be several commits behind after coalescing.
 * <p>
 * Associations are written from their ids: each to-one value becomes an uninitialised proxy of its target, so writing
 * a foreign key never selects the target row. Stateless and thread-safe.
 */
public final class EntityWriter {

	private final SessionFactoryImplementor factory;

	public EntityWriter(SessionFactoryImplementor factory) {
		this.factory = factory;
	}

	void write(FlushItem item, SharedSessionContractImplementor session) {
		write( item.operation, item.snapshot, item.id(), item.dbVersion, session );
	}

	/**
	 * Writes {@code snapshot} of an id whose row has {@code dbVersion} (for an update or delete: checked), through
	 * {@code session}: the flusher's stateless session, or an application session writing its own transaction's writes
	 * before a query (the statements join that session's JDBC batch).
	 */
	public void write(Operation operation, EntitySnapshot snapshot,
			Object id, Object dbVersion, SharedSessionContractImplementor session) {
		EntityPersister persister = factory.getMappingMetamodel().getEntityDescriptor( snapshot.entityName() );
		switch ( operation ) {
			case INSERT -> {
				Object[] values = assemble( snapshot, persister, session );
				Object entity = instantiate( persister, id, values, session );
				persister.getInsertCoordinator().insert( entity, id, values, session );
			}
			case UPDATE -> {
				Object[] values = assemble( snapshot, persister, session );
				Object entity = instantiate( persister, id, values, session );
				persister.getUpdateCoordinator()
						.update( entity, id, null, values, dbVersion, null, null, false, session );
			}
			case DELETE -> {
				Object entity = persister.instantiate( id, session );
				persister.getDeleteCoordinator().delete( entity, id, dbVersion, session );
			}
		}
	}

	/** A detached instance with the state of the write (associations as uninitialised proxies), for failure handling. */
	Object detachedInstance(FlushItem item, SharedSessionContractImplementor session) {
		if ( item.snapshot.isDeleted() ) {
			return null;
		}
		EntityPersister persister = persister( item );
		return instantiate( persister, item.id(), assemble( item.snapshot, persister, session ), session );
	}

	/** The version the row has after the write. */
	static Object versionAfter(FlushItem item) {
		return item.snapshot.isDeleted() ? null : item.snapshot.version();
	}

	private EntityPersister persister(FlushItem item) {
		return factory.getMappingMetamodel().getEntityDescriptor( item.snapshot.entityName() );
	}

	private static Object instantiate(EntityPersister persister, Object id, Object[] values,
			SharedSessionContractImplementor session) {
		Object entity = persister.instantiate( id, session );
		persister.setValues( entity, values );
		return entity;
	}

	private Object[] assemble(EntitySnapshot snapshot, EntityPersister persister,
			SharedSessionContractImplementor session) {
		Serializable[] disassembled = snapshot.entry().getDisassembledState();
		Type[] types = persister.getPropertyTypes();
		Object[] values = new Object[types.length];
		for ( int i = 0; i < types.length; i++ ) {
			values[i] = assemble( types[i], disassembled[i], session );
		}
		return values;
	}

	private Object assemble(Type type, Serializable cached, SharedSessionContractImplementor session) {
		if ( cached == null || type.isCollectionType() ) {
			// inverse collections have no column in the entity's table
			return null;
		}
		if ( type instanceof EntityType entityType ) {
			if ( !( entityType instanceof ManyToOneType ) ) {
				// a one-to-one on the side without the foreign key
				return null;
			}
			Object targetId = entityType.getIdentifierOrUniqueKeyType( factory.getRuntimeMetamodels() ).assemble( cached, session, null );
			return factory.getMappingMetamodel()
					.getEntityDescriptor( entityType.getAssociatedEntityName() )
					.createProxy( targetId, session );
		}
		return type.assemble( cached, session, null );
	}
}
