package io.writebehind.internal.flush;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.ManyToOneType;
import org.hibernate.type.Type;

import io.writebehind.FailedWrite.Operation;
import io.writebehind.internal.cache.EntityState;
import io.writebehind.internal.queue.EntityRegion;
import io.writebehind.internal.queue.FlushItem;

/**
 * Holds back an INSERT or UPDATE whose foreign key points at an opted-in row that is not in the database yet and is
 * not inserted by the same flush (with several flusher threads, the parent may belong to another thread): the write
 * waits until the parent is written, instead of failing on the foreign key. Stateless apart from a per-persister
 * cache of reference positions; thread-safe.
 */
final class ForeignKeyGuard {

	private record Reference(int position, String targetEntityName) {
	}

	private final SessionFactoryImplementor factory;
	private final Function<String, EntityRegion> regions;
	private final ConcurrentHashMap<String, List<Reference>> references = new ConcurrentHashMap<>();

	ForeignKeyGuard(SessionFactoryImplementor factory, Function<String, EntityRegion> regions) {
		this.factory = factory;
		this.regions = regions;
	}

	/** Splits the items of a cycle: those that can be written now are returned; the others go to {@code held}. */
	List<FlushItem> ready(List<FlushItem> items, List<FlushItem> held) {
		Set<Object> insertedNow = null;
		List<FlushItem> ready = new ArrayList<>( items.size() );
		String lastName = null;
		List<Reference> lastRefs = null;
		for ( FlushItem item : items ) {
			if ( item.operation == Operation.DELETE ) {
				ready.add( item );
				continue;
			}
			// a cycle's items come in runs of one entity: its references are looked up once per run
			String entityName = item.entityName;
			List<Reference> refs;
			if ( entityName == lastName ) {
				refs = lastRefs;
			}
			else {
				refs = references.computeIfAbsent( entityName, this::referencesOf );
				lastName = entityName;
				lastRefs = refs;
			}
			boolean blocked = false;
			if ( !refs.isEmpty() ) {
				EntityState state = item.snapshot.entry();
				for ( Reference ref : refs ) {
					Object targetId = state.value( ref.position() );
					if ( targetId == null || targetId instanceof Object[] ) {
						continue; // no reference, or a composite id: not checked
					}
					EntityRegion target = regions.apply( ref.targetEntityName() );
					if ( target.isPendingInsert( targetId ) ) {
						if ( insertedNow == null ) {
							insertedNow = insertedBy( items );
						}
						if ( !insertedNow.contains( List.of( target, targetId ) ) ) {
							blocked = true;
							break;
						}
					}
				}
			}
			( blocked ? held : ready ).add( item );
		}
		return ready;
	}

	private static Set<Object> insertedBy(List<FlushItem> items) {
		Set<Object> keys = new HashSet<>();
		for ( FlushItem item : items ) {
			if ( item.operation == Operation.INSERT ) {
				keys.add( List.of( item.region(), item.id() ) );
			}
		}
		return keys;
	}

	private List<Reference> referencesOf(String entityName) {
		EntityPersister persister = factory.getMappingMetamodel().getEntityDescriptor( entityName );
		Type[] types = persister.getPropertyTypes();
		List<Reference> found = new ArrayList<>();
		for ( int i = 0; i < types.length; i++ ) {
			if ( types[i] instanceof ManyToOneType toOne && regions.apply( toOne.getAssociatedEntityName() ) != null ) {
				found.add( new Reference( i, toOne.getAssociatedEntityName() ) );
			}
		}
		return found.isEmpty() ? List.of() : List.copyOf( found );
	}
}
