package io.writebehind.hibernate;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.proxy.HibernateProxy;
import org.hibernate.proxy.LazyInitializer;
import org.hibernate.type.ManyToOneType;
import org.hibernate.type.Type;

import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.queue.EntityRegion;

/**
 * Keeps foreign keys of entities that are not opted in valid: before such an entity is inserted or updated with a
 * reference to an opted-in entity whose row is not in the database yet, that row is written first: by the same
 * transaction if the referenced entity is new in it, or by flushing the pending writes if it was committed before.
 * Called on the application thread that flushes the session.
 */
final class ReferencedRows {

	private static final int[] NONE = new int[0];

	private final WriteBehindInstallation installation;
	private final WriteCaptureListener capture;
	/** Per persister of an entity that is not opted in: the state positions of its references to opted-in entities. */
	private final ConcurrentHashMap<EntityPersister, int[]> referencePositions = new ConcurrentHashMap<>();

	ReferencedRows(WriteBehindInstallation installation, WriteCaptureListener capture) {
		this.installation = installation;
		this.capture = capture;
	}

	void ensureWritten(EntityPersister persister, Object[] state, SharedSessionContractImplementor session) {
		if ( session.isStateless() || installation.runtime() == null ) {
			return;
		}
		int[] positions = referencePositions.computeIfAbsent( persister, this::positions );
		for ( int position : positions ) {
			Object value = state[position];
			if ( value == null ) {
				continue;
			}
			Type type = persister.getPropertyTypes()[position];
			String targetName = ( (ManyToOneType) type ).getAssociatedEntityName();
			EntityRegion region = installation.regionOf( targetName );
			Object id = idOf( value, targetName, session );
			if ( id == null ) {
				continue;
			}
			TransactionWrites writes = capture.current( session );
			if ( writes != null && writes.writeNowIfNew( region, id, session ) ) {
				continue;
			}
			if ( region.isPendingInsert( id ) ) {
				WriteBehindRuntime runtime = installation.runtime();
				ReadFlush.flushOrFail( runtime, null, () -> persister.getEntityName() + "."
						+ persister.getPropertyNames()[position] + " references " + targetName + "#" + id
						+ ", whose row write-behind has not written yet, and the pending writes could not be flushed" );
			}
		}
	}

	private static Object idOf(Object value, String targetName, SharedSessionContractImplementor session) {
		LazyInitializer lazy = HibernateProxy.extractLazyInitializer( value );
		if ( lazy != null ) {
			return lazy.getInternalIdentifier();
		}
		Object id = session.getContextEntityIdentifier( value );
		return id != null ? id : session.getEntityPersister( targetName, value ).getIdentifier( value, session );
	}

	private int[] positions(EntityPersister persister) {
		Type[] types = persister.getPropertyTypes();
		List<Integer> found = new ArrayList<>();
		for ( int i = 0; i < types.length; i++ ) {
			if ( types[i] instanceof ManyToOneType toOne && installation.regionOf( toOne.getAssociatedEntityName() ) != null ) {
				found.add( i );
			}
		}
		return found.isEmpty() ? NONE : found.stream().mapToInt( Integer::intValue ).toArray();
	}
}
