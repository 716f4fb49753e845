package io.writebehind.internal.cache;

import java.io.Serializable;

import org.hibernate.bytecode.enhance.spi.LazyPropertyInitializer;
import org.hibernate.cache.spi.entry.CacheEntry;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.event.spi.EventSource;
import org.hibernate.event.spi.PreLoadEvent;
import org.hibernate.event.spi.PreLoadEventListener;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.Type;

/**
 * The committed state of one entity in Hibernate's disassembled form, the form the second-level cache stores (each
 * value through its type's {@code disassemble}: associations as ids, mutable values deep-copied), immutable and shared
 * between threads. Unlike Hibernate's own {@code StandardCacheEntryImpl}, a copy with another version can be made, for
 * a write re-applied over the database's current row. It is also the {@link EntitySnapshot} of an existing entity.
 */
public final class EntityState implements CacheEntry, EntitySnapshot {

	private final Serializable[] state;
	private final String entityName;
	private final Object version;

	private EntityState(Serializable[] state, String entityName, Object version) {
		this.state = state;
		this.entityName = entityName;
		this.version = version;
	}

	/** Disassembles the state of an entity of the given (concrete) persister. */
	public static EntityState capture(Object[] values, EntityPersister persister, Object version,
			SharedSessionContractImplementor session, Object owner) {
		Type[] types = persister.getPropertyTypes();
		Serializable[] disassembled = new Serializable[types.length];
		for ( int i = 0; i < types.length; i++ ) {
			Object value = values[i];
			disassembled[i] = isPlaceholder( value ) ? (Serializable) value : types[i].disassemble( value, session, owner );
		}
		return new EntityState( disassembled, persister.getEntityName(), version );
	}

	/** State read back from the journal (already in disassembled form). */
	public static EntityState restore(Serializable[] disassembled, String entityName, Object version) {
		return new EntityState( disassembled, entityName, version );
	}

	/**
	 * Assembles the state into a new array for {@code instance} in {@code session} (associations are resolved through
	 * the session), fires the pre-load event and sets the values on the instance, as a second-level cache hit does.
	 */
	public Object[] assemble(Object instance, Object id, EntityPersister persister, SharedSessionContractImplementor session) {
		Type[] types = persister.getPropertyTypes();
		for ( int i = 0; i < types.length; i++ ) {
			if ( !isPlaceholder( state[i] ) ) {
				types[i].beforeAssemble( state[i], session );
			}
		}
		Object[] values = new Object[types.length];
		for ( int i = 0; i < types.length; i++ ) {
			values[i] = isPlaceholder( state[i] ) ? state[i] : types[i].assemble( state[i], session, instance );
		}
		if ( session instanceof EventSource eventSource ) {
			PreLoadEvent preLoad = new PreLoadEvent( eventSource ).setEntity( instance ).setState( values ).setId( id )
					.setPersister( persister );
			session.getFactory().getEventListenerGroups().eventListenerGroup_PRE_LOAD
					.fireEventOnEachListener( preLoad, PreLoadEventListener::onPreLoad );
		}
		persister.setValues( instance, values );
		return values;
	}

	/** A copy whose version (at {@code versionIndex} of the state) is {@code newVersion}. */
	public EntityState withVersion(Object newVersion, int versionIndex) {
		Serializable[] copy = state.clone();
		copy[versionIndex] = (Serializable) newVersion;
		return new EntityState( copy, entityName, newVersion );
	}

	private static boolean isPlaceholder(Object value) {
		return value == LazyPropertyInitializer.UNFETCHED_PROPERTY || io.writebehind.internal.orm.HibernateInternals.isUnknownBackRef( value );
	}

	@Override
	public boolean isReferenceEntry() {
		return false;
	}

	@Override
	public String getSubclass() {
		return entityName;
	}

	@Override
	public Object getVersion() {
		return version;
	}

	/** The disassembled values; the array is shared: never modify it. */
	@Override
	public Serializable[] getDisassembledState() {
		return state;
	}

	/** A state is never the marker of a removed id ({@link EntitySnapshot.Deleted}). */
	@Override
	public boolean isDeleted() {
		return false;
	}

	/** The state is its own snapshot. */
	@Override
	public EntityState entry() {
		return this;
	}

	@Override
	public Object version() {
		return version;
	}

	@Override
	public String entityName() {
		return entityName;
	}

	@Override
	public String toString() {
		return entityName + "@v" + version;
	}
}
