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
 * <p>
 * Memory: one lives per pending write and per clean cache entry, so a state of up to {@value #MAX_FIELDS} values holds
 * them in fields of its own object ({@code Fields1} ... {@code Fields8}, each adding one field to the one before), not
 * in a separate array: 16 to 24 bytes less per state. Larger states keep an array ({@code Arrayed}). In a state of 2 to
 * {@value #MAX_FIELDS} values, the first {@code Long} value that would be a boxed object of its own (not one of
 * {@code Long.valueOf}'s shared small ones, and not the version) is kept as a primitive {@code long} instead
 * ({@code WithLong1} ... {@code WithLong7}: the other values as in {@code FieldsN}, and the long and its position): a
 * 24-byte {@code Long} less for 8 bytes more, about 16 bytes less per state. It is boxed again when read
 * ({@link #value(int)}, {@link #getDisassembledState()}: at a flush or a cache hit, not at the commit).
 */
public abstract sealed class EntityState implements CacheEntry, EntitySnapshot permits EntityState.Arrayed, EntityState.Fields1 {

	/** The largest state whose values are fields of the object. */
	static final int MAX_FIELDS = 8;

	private final String entityName;
	private final Object version;

	private EntityState(String entityName, Object version) {
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
		return of( disassembled, persister.getEntityName(), version );
	}

	/** State read back from the journal (already in disassembled form; the array is not changed afterwards). */
	public static EntityState restore(Serializable[] disassembled, String entityName, Object version) {
		return of( disassembled, entityName, version );
	}

	/** The state of these values, which it may keep ({@code values} is not changed afterwards). */
	private static EntityState of(Serializable[] v, String entityName, Object version) {
		int unboxed = v.length >= 2 && v.length <= MAX_FIELDS ? unboxable( v, version ) : -1;
		if ( unboxed >= 0 ) {
			long value = (Long) v[unboxed];
			Serializable[] r = new Serializable[v.length - 1];
			for ( int i = 0, j = 0; i < v.length; i++ ) {
				if ( i != unboxed ) {
					r[j++] = v[i];
				}
			}
			byte at = (byte) unboxed;
			return switch ( r.length ) {
				case 1 -> new WithLong1( entityName, version, r[0], at, value );
				case 2 -> new WithLong2( entityName, version, r[0], r[1], at, value );
				case 3 -> new WithLong3( entityName, version, r[0], r[1], r[2], at, value );
				case 4 -> new WithLong4( entityName, version, r[0], r[1], r[2], r[3], at, value );
				case 5 -> new WithLong5( entityName, version, r[0], r[1], r[2], r[3], r[4], at, value );
				case 6 -> new WithLong6( entityName, version, r[0], r[1], r[2], r[3], r[4], r[5], at, value );
				default -> new WithLong7( entityName, version, r[0], r[1], r[2], r[3], r[4], r[5], r[6], at, value );
			};
		}
		return switch ( v.length ) {
			case 1 -> new Fields1( entityName, version, v[0] );
			case 2 -> new Fields2( entityName, version, v[0], v[1] );
			case 3 -> new Fields3( entityName, version, v[0], v[1], v[2] );
			case 4 -> new Fields4( entityName, version, v[0], v[1], v[2], v[3] );
			case 5 -> new Fields5( entityName, version, v[0], v[1], v[2], v[3], v[4] );
			case 6 -> new Fields6( entityName, version, v[0], v[1], v[2], v[3], v[4], v[5] );
			case 7 -> new Fields7( entityName, version, v[0], v[1], v[2], v[3], v[4], v[5], v[6] );
			case 8 -> new Fields8( entityName, version, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] );
			default -> new Arrayed( entityName, version, v );
		};
	}

	/**
	 * The first value worth keeping as a primitive {@code long}: a {@code Long} that {@code Long.valueOf} would not
	 * share (outside -128..127) and that is not the version object (which the state keeps anyway); -1 when none.
	 */
	private static int unboxable(Serializable[] v, Object version) {
		for ( int i = 0; i < v.length; i++ ) {
			if ( v[i] instanceof Long l && l != version && ( l < -128 || l > 127 ) ) {
				return i;
			}
		}
		return -1;
	}

	/** The number of values (the persister's properties). */
	public abstract int size();

	/** The disassembled value of property {@code i}. */
	public abstract Serializable value(int i);

	/** Copies the values into {@code target} (at least {@link #size()} long). */
	abstract void copyInto(Serializable[] target);

	/**
	 * Assembles the state into a new array for {@code instance} in {@code session} (associations are resolved through
	 * the session), fires the pre-load event and sets the values on the instance, as a second-level cache hit does.
	 */
	public Object[] assemble(Object instance, Object id, EntityPersister persister, SharedSessionContractImplementor session) {
		Type[] types = persister.getPropertyTypes();
		for ( int i = 0; i < types.length; i++ ) {
			Serializable value = value( i );
			if ( !isPlaceholder( value ) ) {
				types[i].beforeAssemble( value, session );
			}
		}
		Object[] values = new Object[types.length];
		for ( int i = 0; i < types.length; i++ ) {
			Serializable value = value( i );
			values[i] = isPlaceholder( value ) ? value : types[i].assemble( value, session, instance );
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
		Serializable[] copy = getDisassembledState();
		copy[versionIndex] = (Serializable) newVersion;
		return of( copy, entityName, newVersion );
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

	/**
	 * The disassembled values, in a new array the caller may keep or change (the state keeps its values in fields, or
	 * in an array of its own that is never handed out).
	 */
	@Override
	public Serializable[] getDisassembledState() {
		Serializable[] copy = new Serializable[size()];
		copyInto( copy );
		return copy;
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

	/** A state of more than {@value #MAX_FIELDS} values (or none): they stay in an array. */
	static final class Arrayed extends EntityState {
		private final Serializable[] values;

		Arrayed(String entityName, Object version, Serializable[] values) {
			super( entityName, version );
			this.values = values;
		}

		@Override
		public int size() {
			return values.length;
		}

		@Override
		public Serializable value(int i) {
			return values[i];
		}

		@Override
		void copyInto(Serializable[] target) {
			System.arraycopy( values, 0, target, 0, values.length );
		}
	}

	// Fields1 ... Fields8: each adds one value to the one before; value(i) and copyInto go down the chain.

	static non-sealed class Fields1 extends EntityState {
		private final Serializable v0;

		Fields1(String entityName, Object version, Serializable v0) {
			super( entityName, version );
			this.v0 = v0;
		}

		@Override
		public int size() {
			return 1;
		}

		@Override
		public Serializable value(int i) {
			if ( i == 0 ) {
				return v0;
			}
			throw new IndexOutOfBoundsException( "value " + i + " of a state of " + size() );
		}

		@Override
		void copyInto(Serializable[] target) {
			target[0] = v0;
		}
	}

	static class Fields2 extends Fields1 {
		private final Serializable v1;

		Fields2(String entityName, Object version, Serializable v0, Serializable v1) {
			super( entityName, version, v0 );
			this.v1 = v1;
		}

		@Override
		public int size() {
			return 2;
		}

		@Override
		public Serializable value(int i) {
			return i == 1 ? v1 : super.value( i );
		}

		@Override
		void copyInto(Serializable[] target) {
			super.copyInto( target );
			target[1] = v1;
		}
	}

	static class Fields3 extends Fields2 {
		private final Serializable v2;

		Fields3(String entityName, Object version, Serializable v0, Serializable v1, Serializable v2) {
			super( entityName, version, v0, v1 );
			this.v2 = v2;
		}

		@Override
		public int size() {
			return 3;
		}

		@Override
		public Serializable value(int i) {
			return i == 2 ? v2 : super.value( i );
		}

		@Override
		void copyInto(Serializable[] target) {
			super.copyInto( target );
			target[2] = v2;
		}
	}

	static class Fields4 extends Fields3 {
		private final Serializable v3;

		Fields4(String entityName, Object version, Serializable v0, Serializable v1, Serializable v2, Serializable v3) {
			super( entityName, version, v0, v1, v2 );
			this.v3 = v3;
		}

		@Override
		public int size() {
			return 4;
		}

		@Override
		public Serializable value(int i) {
			return i == 3 ? v3 : super.value( i );
		}

		@Override
		void copyInto(Serializable[] target) {
			super.copyInto( target );
			target[3] = v3;
		}
	}

	static class Fields5 extends Fields4 {
		private final Serializable v4;

		Fields5(String entityName, Object version, Serializable v0, Serializable v1, Serializable v2, Serializable v3, Serializable v4) {
			super( entityName, version, v0, v1, v2, v3 );
			this.v4 = v4;
		}

		@Override
		public int size() {
			return 5;
		}

		@Override
		public Serializable value(int i) {
			return i == 4 ? v4 : super.value( i );
		}

		@Override
		void copyInto(Serializable[] target) {
			super.copyInto( target );
			target[4] = v4;
		}
	}

	static class Fields6 extends Fields5 {
		private final Serializable v5;

		Fields6(String entityName, Object version, Serializable v0, Serializable v1, Serializable v2, Serializable v3, Serializable v4, Serializable v5) {
			super( entityName, version, v0, v1, v2, v3, v4 );
			this.v5 = v5;
		}

		@Override
		public int size() {
			return 6;
		}

		@Override
		public Serializable value(int i) {
			return i == 5 ? v5 : super.value( i );
		}

		@Override
		void copyInto(Serializable[] target) {
			super.copyInto( target );
			target[5] = v5;
		}
	}

	static class Fields7 extends Fields6 {
		private final Serializable v6;

		Fields7(String entityName, Object version, Serializable v0, Serializable v1, Serializable v2, Serializable v3, Serializable v4, Serializable v5, Serializable v6) {
			super( entityName, version, v0, v1, v2, v3, v4, v5 );
			this.v6 = v6;
		}

		@Override
		public int size() {
			return 7;
		}

		@Override
		public Serializable value(int i) {
			return i == 6 ? v6 : super.value( i );
		}

		@Override
		void copyInto(Serializable[] target) {
			super.copyInto( target );
			target[6] = v6;
		}
	}

	static final class Fields8 extends Fields7 {
		private final Serializable v7;

		Fields8(String entityName, Object version, Serializable v0, Serializable v1, Serializable v2, Serializable v3, Serializable v4, Serializable v5, Serializable v6, Serializable v7) {
			super( entityName, version, v0, v1, v2, v3, v4, v5, v6 );
			this.v7 = v7;
		}

		@Override
		public int size() {
			return 8;
		}

		@Override
		public Serializable value(int i) {
			return i == 7 ? v7 : super.value( i );
		}

		@Override
		void copyInto(Serializable[] target) {
			super.copyInto( target );
			target[7] = v7;
		}
	}

	// WithLong1 ... WithLong7: the values of FieldsN (N = 1 ... 7) and one more, a long, at longAt (the others after it
	// one place further on)

	private static void copyWithLong(EntityState state, Serializable[] target) {
		for ( int i = 0, n = state.size(); i < n; i++ ) {
			target[i] = state.value( i );
		}
	}

	static final class WithLong1 extends Fields1 {
		private final long longValue;
		private final byte longAt;

		WithLong1(String entityName, Object version, Serializable v0, byte longAt, long longValue) {
			super( entityName, version, v0 );
			this.longAt = longAt;
			this.longValue = longValue;
		}

		@Override
		public int size() {
			return 2;
		}

		@Override
		public Serializable value(int i) {
			if ( i < 0 || i >= 2 ) {
				throw new IndexOutOfBoundsException( "value " + i + " of a state of 2" );
			}
			return i == longAt ? Long.valueOf( longValue ) : super.value( i < longAt ? i : i - 1 );
		}

		@Override
		void copyInto(Serializable[] target) {
			copyWithLong( this, target );
		}
	}

	static final class WithLong2 extends Fields2 {
		private final long longValue;
		private final byte longAt;

		WithLong2(String entityName, Object version, Serializable v0, Serializable v1, byte longAt, long longValue) {
			super( entityName, version, v0, v1 );
			this.longAt = longAt;
			this.longValue = longValue;
		}

		@Override
		public int size() {
			return 3;
		}

		@Override
		public Serializable value(int i) {
			if ( i < 0 || i >= 3 ) {
				throw new IndexOutOfBoundsException( "value " + i + " of a state of 3" );
			}
			return i == longAt ? Long.valueOf( longValue ) : super.value( i < longAt ? i : i - 1 );
		}

		@Override
		void copyInto(Serializable[] target) {
			copyWithLong( this, target );
		}
	}

	static final class WithLong3 extends Fields3 {
		private final long longValue;
		private final byte longAt;

		WithLong3(String entityName, Object version, Serializable v0, Serializable v1, Serializable v2, byte longAt, long longValue) {
			super( entityName, version, v0, v1, v2 );
			this.longAt = longAt;
			this.longValue = longValue;
		}

		@Override
		public int size() {
			return 4;
		}

		@Override
		public Serializable value(int i) {
			if ( i < 0 || i >= 4 ) {
				throw new IndexOutOfBoundsException( "value " + i + " of a state of 4" );
			}
			return i == longAt ? Long.valueOf( longValue ) : super.value( i < longAt ? i : i - 1 );
		}

		@Override
		void copyInto(Serializable[] target) {
			copyWithLong( this, target );
		}
	}

	static final class WithLong4 extends Fields4 {
		private final long longValue;
		private final byte longAt;

		WithLong4(String entityName, Object version, Serializable v0, Serializable v1, Serializable v2, Serializable v3, byte longAt, long longValue) {
			super( entityName, version, v0, v1, v2, v3 );
			this.longAt = longAt;
			this.longValue = longValue;
		}

		@Override
		public int size() {
			return 5;
		}

		@Override
		public Serializable value(int i) {
			if ( i < 0 || i >= 5 ) {
				throw new IndexOutOfBoundsException( "value " + i + " of a state of 5" );
			}
			return i == longAt ? Long.valueOf( longValue ) : super.value( i < longAt ? i : i - 1 );
		}

		@Override
		void copyInto(Serializable[] target) {
			copyWithLong( this, target );
		}
	}

	static final class WithLong5 extends Fields5 {
		private final long longValue;
		private final byte longAt;

		WithLong5(String entityName, Object version, Serializable v0, Serializable v1, Serializable v2, Serializable v3, Serializable v4, byte longAt, long longValue) {
			super( entityName, version, v0, v1, v2, v3, v4 );
			this.longAt = longAt;
			this.longValue = longValue;
		}

		@Override
		public int size() {
			return 6;
		}

		@Override
		public Serializable value(int i) {
			if ( i < 0 || i >= 6 ) {
				throw new IndexOutOfBoundsException( "value " + i + " of a state of 6" );
			}
			return i == longAt ? Long.valueOf( longValue ) : super.value( i < longAt ? i : i - 1 );
		}

		@Override
		void copyInto(Serializable[] target) {
			copyWithLong( this, target );
		}
	}

	static final class WithLong6 extends Fields6 {
		private final long longValue;
		private final byte longAt;

		WithLong6(String entityName, Object version, Serializable v0, Serializable v1, Serializable v2, Serializable v3, Serializable v4, Serializable v5, byte longAt, long longValue) {
			super( entityName, version, v0, v1, v2, v3, v4, v5 );
			this.longAt = longAt;
			this.longValue = longValue;
		}

		@Override
		public int size() {
			return 7;
		}

		@Override
		public Serializable value(int i) {
			if ( i < 0 || i >= 7 ) {
				throw new IndexOutOfBoundsException( "value " + i + " of a state of 7" );
			}
			return i == longAt ? Long.valueOf( longValue ) : super.value( i < longAt ? i : i - 1 );
		}

		@Override
		void copyInto(Serializable[] target) {
			copyWithLong( this, target );
		}
	}

	static final class WithLong7 extends Fields7 {
		private final long longValue;
		private final byte longAt;

		WithLong7(String entityName, Object version, Serializable v0, Serializable v1, Serializable v2, Serializable v3, Serializable v4, Serializable v5, Serializable v6, byte longAt, long longValue) {
			super( entityName, version, v0, v1, v2, v3, v4, v5, v6 );
			this.longAt = longAt;
			this.longValue = longValue;
		}

		@Override
		public int size() {
			return 8;
		}

		@Override
		public Serializable value(int i) {
			if ( i < 0 || i >= 8 ) {
				throw new IndexOutOfBoundsException( "value " + i + " of a state of 8" );
			}
			return i == longAt ? Long.valueOf( longValue ) : super.value( i < longAt ? i : i - 1 );
		}

		@Override
		void copyInto(Serializable[] target) {
			copyWithLong( this, target );
		}
	}
}
