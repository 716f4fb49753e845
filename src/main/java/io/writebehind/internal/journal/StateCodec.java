package io.writebehind.internal.journal;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.hibernate.bytecode.enhance.spi.LazyPropertyInitializer;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.BasicType;
import org.hibernate.type.CollectionType;
import org.hibernate.type.CompositeType;
import org.hibernate.type.EntityType;
import org.hibernate.type.Type;
import org.hibernate.type.descriptor.java.JavaType;

import io.writebehind.internal.orm.HibernateInternals;
import io.writebehind.internal.cache.EntitySnapshot;
import io.writebehind.internal.cache.EntityState;

/**
 * Encodes the writes of a transaction for the journal, through Hibernate's type system: an entity's state is its
 * disassembled state ({@link EntityState}: basic values, ids for associations, {@code Object[]} for embeddables), each
 * value written with a one-byte tag (common JDK value classes natively; any other basic value as its {@link JavaType}'s
 * {@code toString}, read back with {@code fromString}). No Java serialization.
 * <p>
 * A schema record (entity name, property names and type names) precedes the first write of an entity in each
 * segment; a write is read back by property name against the entity as it is mapped now: a property added since is
 * null, one removed since is ignored, one whose type changed stops the start with a clear error. Thread-safe.
 */
public final class StateCodec {

	/**
	 * One write of a transaction, as journaled; {@code cacheWhenWritten}: whether its transaction's session stored into
	 * the cache (false with JPA's {@code CacheStoreMode.BYPASS}), so that a replayed write, once written, is kept in the
	 * read cache or not as it would have been without the restart.
	 */
	public record JournalWrite(String entityName, Object id, EntitySnapshot snapshot, boolean lowExists,
			Object lowVersion, Object deleteBaseVersion, boolean cacheWhenWritten) {
	}

	/** The schema of an entity as written in a segment. */
	public record Schema(String entityName, List<String> propertyNames, List<String> typeNames) {
	}

	/**
	 * The format of a transaction record's writes: 2 since the store mode of each write's transaction is journaled
	 * (format 1, without it, is still read: its writes are cached once written, as they were then).
	 */
	private static final int WRITE_FORMAT = 2;
	private static final int WRITE_FORMAT_WITHOUT_STORE_MODE = 1;

	private static final byte NULL = 0, UNFETCHED = 1, BACKREF_UNKNOWN = 2, STRING = 3, LONG = 4, INT = 5, SHORT = 6,
			BYTE = 7, BOOLEAN = 8, DOUBLE = 9, FLOAT = 10, BIG_DECIMAL = 11, BIG_INTEGER = 12, UUID_ = 13, BYTES = 14,
			CHAR = 15, INSTANT = 16, LOCAL_DATE = 17, LOCAL_DATE_TIME = 18, LOCAL_TIME = 19, OFFSET_DATE_TIME = 20,
			ZONED_DATE_TIME = 21, SQL_TIMESTAMP = 22, SQL_DATE = 23, SQL_TIME = 24, UTIL_DATE = 25, ARRAY = 26,
			TYPED_STRING = 27, ENUM = 28, DURATION = 29, CHARS = 30;

	private final SessionFactoryImplementor factory;
	private final Map<String, byte[]> schemaBytes = new ConcurrentHashMap<>();

	public StateCodec(SessionFactoryImplementor factory) {
		this.factory = factory;
	}

	private EntityPersister persister(String entityName) {
		return factory.getMappingMetamodel().getEntityDescriptor( entityName );
	}

	/** The schema of an entity as it is mapped now. */
	public Schema currentSchema(String entityName) {
		EntityPersister persister = persister( entityName );
		List<String> names = List.of( persister.getPropertyNames() );
		List<String> types = new ArrayList<>();
		for ( Type type : persister.getPropertyTypes() ) {
			types.add( typeName( type ) );
		}
		return new Schema( persister.getJpaEntityName(), names, types );
	}

	static String typeName(Type type) {
		if ( type instanceof CompositeType composite ) {
			StringBuilder b = new StringBuilder( "embeddable(" );
			String[] names = composite.getPropertyNames();
			Type[] subtypes = composite.getSubtypes();
			for ( int i = 0; i < subtypes.length; i++ ) {
				b.append( i == 0 ? "" : "," ).append( names[i] ).append( ':' ).append( typeName( subtypes[i] ) );
			}
			return b.append( ')' ).toString();
		}
		if ( type instanceof EntityType entityType ) {
			return "to-one(" + entityType.getAssociatedEntityName() + ")";
		}
		if ( type instanceof CollectionType collectionType ) {
			return "collection(" + collectionType.getRole() + ")";
		}
		return type.getReturnedClass().getName();
	}

	/** The payload of the schema record of an entity. */
	public byte[] schemaRecord(String entityName) {
		return schemaBytes.computeIfAbsent( entityName, name -> {
			Schema schema = currentSchema( name );
			Out out = new Out();
			out.string( persister( name ).getJpaEntityName() );
			out.integer( schema.propertyNames().size() );
			for ( int i = 0; i < schema.propertyNames().size(); i++ ) {
				out.string( schema.propertyNames().get( i ) );
				out.string( schema.typeNames().get( i ) );
			}
			return out.bytes();
		} );
	}

	public static Schema readSchema(ByteBuffer payload) {
		In in = new In( payload.duplicate() );
		String name = in.string();
		int n = in.count( 8 ); // two strings of at least 4 bytes each
		List<String> names = new ArrayList<>( n );
		List<String> types = new ArrayList<>( n );
		for ( int i = 0; i < n; i++ ) {
			names.add( in.string() );
			types.add( in.string() );
		}
		return new Schema( name, names, types );
	}

	// ------------------------------------------------------------------------------------------------ writes

	public byte[] encode(List<JournalWrite> writes, SharedSessionContractImplementor session) {
		Out out = new Out();
		out.integer( WRITE_FORMAT );
		out.integer( writes.size() );
		for ( JournalWrite write : writes ) {
			EntityPersister persister = persister( write.entityName() );
			out.string( persister.getJpaEntityName() );
			Type idType = persister.getIdentifierType();
			value( out, idType, idType.disassemble( write.id(), session, null ), write.entityName(), "id" );
			EntitySnapshot snapshot = write.snapshot();
			out.bool( snapshot.isDeleted() );
			out.bool( write.lowExists() );
			out.bool( write.cacheWhenWritten() );
			Type versionType = persister.isVersioned() ? persister.getPropertyTypes()[persister.getVersionPropertyIndex()] : null;
			value( out, versionType, write.lowVersion(), write.entityName(), "version" );
			value( out, versionType, write.deleteBaseVersion(), write.entityName(), "version" );
			if ( !snapshot.isDeleted() ) {
				Serializable[] state = snapshot.entry().getDisassembledState();
				Type[] types = persister.getPropertyTypes();
				String[] names = persister.getPropertyNames();
				out.integer( state.length );
				for ( int i = 0; i < state.length; i++ ) {
					value( out, types[i], state[i], write.entityName(), names[i] );
				}
			}
		}
		return out.bytes();
	}

	/** Reads the writes of a transaction record, with the schemas of its segment read so far. */
	public List<JournalWrite> decode(ByteBuffer payload, Map<String, Schema> segmentSchemas,
			SharedSessionContractImplementor session, String where) {
		In in = new In( payload.duplicate() );
		int format = in.integer();
		if ( format != WRITE_FORMAT && format != WRITE_FORMAT_WITHOUT_STORE_MODE ) {
			throw new JournalException( where + ": write format " + format + " is not readable by this version ("
					+ WRITE_FORMAT + ")" );
		}
		int n = in.count( 4 );
		List<JournalWrite> writes = new ArrayList<>( n );
		for ( int w = 0; w < n; w++ ) {
			String jpaName = in.string();
			String entityName = resolve( jpaName );
			EntityPersister persister;
			try {
				persister = persister( entityName );
			}
			catch (RuntimeException e) {
				throw new JournalException( where + ": the journal holds a write of entity " + entityName
						+ ", which is not mapped any more; refusing to start (map it again to replay it)", e );
			}
			Schema written = segmentSchemas.get( jpaName );
			if ( written == null ) {
				throw new JournalException( where + ": no schema record of entity " + entityName + " precedes its write" );
			}
			int[] targetOf = mapping( written, currentSchema( entityName ), where );
			Type idType = persister.getIdentifierType();
			Object id = idType.assemble( (Serializable) read( in, idType ), session, null );
			boolean deleted = in.bool();
			boolean lowExists = in.bool();
			boolean cacheWhenWritten = format == WRITE_FORMAT_WITHOUT_STORE_MODE || in.bool();
			Type versionType = persister.isVersioned() ? persister.getPropertyTypes()[persister.getVersionPropertyIndex()] : null;
			Object lowVersion = read( in, versionType );
			Object deleteBase = read( in, versionType );
			EntitySnapshot snapshot;
			if ( deleted ) {
				snapshot = EntitySnapshot.deleted( entityName );
			}
			else {
				Type[] types = persister.getPropertyTypes();
				Serializable[] state = new Serializable[types.length];
				int count = in.integer();
				for ( int i = 0; i < count; i++ ) {
					int target = i < targetOf.length ? targetOf[i] : -1;
					Object value = read( in, target >= 0 ? types[target] : null );
					if ( target >= 0 ) {
						state[target] = (Serializable) value;
					}
				}
				Object version = persister.isVersioned() ? state[persister.getVersionPropertyIndex()] : null;
				snapshot = EntitySnapshot.of( EntityState.restore( state, entityName, version ) );
			}
			writes.add( new JournalWrite( entityName, id, snapshot, lowExists, lowVersion, deleteBase, cacheWhenWritten ) );
		}
		return writes;
	}

	/** The entity name of a JPA entity name as journaled (the class may have been renamed or moved since). */
	private String resolve(String jpaName) {
		try {
			String qualified = factory.getJpaMetamodel().qualifyImportableName( jpaName );
			return qualified != null ? qualified : jpaName;
		}
		catch (RuntimeException e) {
			return jpaName;
		}
	}

	/** Per property of the journal's schema, its index in the current mapping, or -1 if it was removed. */
	private static int[] mapping(Schema written, Schema current, String where) {
		int[] result = new int[written.propertyNames().size()];
		Map<String, Integer> index = new HashMap<>();
		for ( int i = 0; i < current.propertyNames().size(); i++ ) {
			index.put( current.propertyNames().get( i ), i );
		}
		for ( int i = 0; i < result.length; i++ ) {
			Integer target = index.get( written.propertyNames().get( i ) );
			if ( target == null ) {
				result[i] = -1;
				continue;
			}
			String was = written.typeNames().get( i );
			String now = current.typeNames().get( target );
			if ( !was.equals( now ) ) {
				throw new JournalException( where + ": property " + written.entityName() + "."
						+ written.propertyNames().get( i ) + " was journaled as " + was + " but is mapped as " + now
						+ " now: an incompatible schema change with writes still in the journal. Refusing to start: "
						+ "start the previous version once so that the journal drains to the database "
						+ "(WriteBehind.flush()), then upgrade." );
			}
			result[i] = target;
		}
		return result;
	}

	// ------------------------------------------------------------------------------------------------ values

	private void value(Out out, Type type, Object value, String entityName, String property) {
		if ( value == null ) {
			out.tag( NULL );
		}
		else if ( value == LazyPropertyInitializer.UNFETCHED_PROPERTY ) {
			out.tag( UNFETCHED );
		}
		else if ( HibernateInternals.isUnknownBackRef( value ) ) {
			out.tag( BACKREF_UNKNOWN );
		}
		else if ( value instanceof Object[] array ) {
			Type[] subtypes = type instanceof CompositeType composite ? composite.getSubtypes() : null;
			out.tag( ARRAY );
			out.integer( array.length );
			for ( int i = 0; i < array.length; i++ ) {
				value( out, subtypes != null && i < subtypes.length ? subtypes[i] : null, array[i], entityName, property );
			}
		}
		else if ( !nativeValue( out, value ) ) {
			if ( value instanceof Enum<?> e ) {
				out.tag( ENUM );
				out.string( e.name() );
				return;
			}
			JavaType<Object> javaType = javaType( type instanceof EntityType entityType
					? entityType.getIdentifierOrUniqueKeyType( factory.getRuntimeMetamodels() ) : type );
			if ( javaType == null || !javaType.getJavaTypeClass().isInstance( value ) ) {
				throw new JournalException( "Cannot journal " + entityName + "." + property + ": its value of "
						+ value.getClass().getName() + " has no journal encoding" );
			}
			out.tag( TYPED_STRING );
			out.string( javaType.toString( value ) );
		}
	}

	@SuppressWarnings("unchecked")
	private static JavaType<Object> javaType(Type type) {
		return type instanceof BasicType<?> basic ? (JavaType<Object>) basic.getJavaTypeDescriptor() : null;
	}

	private static boolean nativeValue(Out out, Object value) {
		if ( value instanceof String s ) {
			out.tag( STRING );
			out.string( s );
		}
		else if ( value instanceof Long l ) {
			out.tag( LONG );
			out.longValue( l );
		}
		else if ( value instanceof Integer i ) {
			out.tag( INT );
			out.integer( i );
		}
		else if ( value instanceof Short s ) {
			out.tag( SHORT );
			out.integer( s );
		}
		else if ( value instanceof Byte b ) {
			out.tag( BYTE );
			out.integer( b );
		}
		else if ( value instanceof Boolean b ) {
			out.tag( BOOLEAN );
			out.bool( b );
		}
		else if ( value instanceof Double d ) {
			out.tag( DOUBLE );
			out.longValue( Double.doubleToRawLongBits( d ) );
		}
		else if ( value instanceof Float f ) {
			out.tag( FLOAT );
			out.integer( Float.floatToRawIntBits( f ) );
		}
		else if ( value instanceof BigDecimal d ) {
			out.tag( BIG_DECIMAL );
			out.string( d.toString() );
		}
		else if ( value instanceof BigInteger i ) {
			out.tag( BIG_INTEGER );
			out.string( i.toString() );
		}
		else if ( value instanceof UUID u ) {
			out.tag( UUID_ );
			out.longValue( u.getMostSignificantBits() );
			out.longValue( u.getLeastSignificantBits() );
		}
		else if ( value instanceof byte[] b ) {
			out.tag( BYTES );
			out.bytes( b );
		}
		else if ( value instanceof char[] c ) {
			out.tag( CHARS );
			out.string( new String( c ) );
		}
		else if ( value instanceof Character c ) {
			out.tag( CHAR );
			out.integer( c );
		}
		else if ( value instanceof Instant i ) {
			out.tag( INSTANT );
			out.string( i.toString() );
		}
		else if ( value instanceof LocalDate d ) {
			out.tag( LOCAL_DATE );
			out.string( d.toString() );
		}
		else if ( value instanceof LocalDateTime d ) {
			out.tag( LOCAL_DATE_TIME );
			out.string( d.toString() );
		}
		else if ( value instanceof LocalTime t ) {
			out.tag( LOCAL_TIME );
			out.string( t.toString() );
		}
		else if ( value instanceof OffsetDateTime d ) {
			out.tag( OFFSET_DATE_TIME );
			out.string( d.toString() );
		}
		else if ( value instanceof ZonedDateTime d ) {
			out.tag( ZONED_DATE_TIME );
			out.string( d.toString() );
		}
		else if ( value instanceof Duration d ) {
			out.tag( DURATION );
			out.string( d.toString() );
		}
		else if ( value instanceof java.sql.Timestamp t ) {
			out.tag( SQL_TIMESTAMP );
			out.longValue( t.getTime() );
			out.integer( t.getNanos() );
		}
		else if ( value instanceof java.sql.Date d ) {
			out.tag( SQL_DATE );
			out.longValue( d.getTime() );
		}
		else if ( value instanceof java.sql.Time t ) {
			out.tag( SQL_TIME );
			out.longValue( t.getTime() );
		}
		else if ( value.getClass() == java.util.Date.class ) {
			out.tag( UTIL_DATE );
			out.longValue( ( (java.util.Date) value ).getTime() );
		}
		else {
			return false;
		}
		return true;
	}

	/** Reads one value; {@code type} is the current type of the property ({@code null}: a removed property). */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	private Object read(In in, Type type) {
		byte tag = in.tag();
		switch ( tag ) {
			case NULL: return null;
			case UNFETCHED: return LazyPropertyInitializer.UNFETCHED_PROPERTY;
			case BACKREF_UNKNOWN: return HibernateInternals.unknownBackRef();
			case STRING: return in.string();
			case LONG: return in.longValue();
			case INT: return in.integer();
			case SHORT: return (short) in.integer();
			case BYTE: return (byte) in.integer();
			case BOOLEAN: return in.bool();
			case DOUBLE: return Double.longBitsToDouble( in.longValue() );
			case FLOAT: return Float.intBitsToFloat( in.integer() );
			case BIG_DECIMAL: return new BigDecimal( in.number() );
			case BIG_INTEGER: return new BigInteger( in.number() );
			case UUID_: return new UUID( in.longValue(), in.longValue() );
			case BYTES: return in.byteArray();
			case CHARS: return in.string().toCharArray();
			case CHAR: return (char) in.integer();
			case INSTANT: return Instant.parse( in.string() );
			case LOCAL_DATE: return LocalDate.parse( in.string() );
			case LOCAL_DATE_TIME: return LocalDateTime.parse( in.string() );
			case LOCAL_TIME: return LocalTime.parse( in.string() );
			case OFFSET_DATE_TIME: return OffsetDateTime.parse( in.string() );
			case ZONED_DATE_TIME: return ZonedDateTime.parse( in.string() );
			case DURATION: return Duration.parse( in.string() );
			case SQL_TIMESTAMP: {
				java.sql.Timestamp t = new java.sql.Timestamp( in.longValue() );
				t.setNanos( in.integer() );
				return t;
			}
			case SQL_DATE: return new java.sql.Date( in.longValue() );
			case SQL_TIME: return new java.sql.Time( in.longValue() );
			case UTIL_DATE: return new java.util.Date( in.longValue() );
			case ARRAY: {
				int n = in.count( 1 );
				Type[] subtypes = type instanceof CompositeType composite ? composite.getSubtypes() : null;
				Object[] array = new Object[n];
				if ( ++in.depth > In.MAX_DEPTH ) {
					throw new JournalException( "Embeddables nested deeper than " + In.MAX_DEPTH + " in a journal record" );
				}
				for ( int i = 0; i < n; i++ ) {
					array[i] = read( in, subtypes != null && i < subtypes.length ? subtypes[i] : null );
				}
				in.depth--;
				return array;
			}
			case ENUM: {
				String name = in.string();
				if ( type == null ) {
					return null;
				}
				Class<?> enumClass = type.getReturnedClass();
				return Enum.valueOf( (Class<? extends Enum>) enumClass, name );
			}
			case TYPED_STRING: {
				String text = in.string();
				if ( type == null ) {
					return null;
				}
				JavaType<Object> javaType = javaType( type instanceof EntityType entityType
						? entityType.getIdentifierOrUniqueKeyType( factory.getRuntimeMetamodels() ) : type );
				if ( javaType == null ) {
					throw new JournalException( "A journaled value has no basic type to read it with (" + typeName( type )
							+ ")" );
				}
				return javaType.fromString( text );
			}
			default:
				throw new JournalException( "Unknown value tag " + tag + " in a journal record" );
		}
	}

	// ------------------------------------------------------------------------------------------------ bytes

	private static final class Out {
		private final ByteArrayOutputStream bytes = new ByteArrayOutputStream( 128 );
		private final DataOutputStream data = new DataOutputStream( bytes );

		void tag(byte tag) {
			try {
				data.writeByte( tag );
			}
			catch (IOException e) {
				throw new AssertionError( e );
			}
		}

		void integer(int v) {
			try {
				data.writeInt( v );
			}
			catch (IOException e) {
				throw new AssertionError( e );
			}
		}

		void longValue(long v) {
			try {
				data.writeLong( v );
			}
			catch (IOException e) {
				throw new AssertionError( e );
			}
		}

		void bool(boolean v) {
			tag( (byte) ( v ? 1 : 0 ) );
		}

		void bytes(byte[] b) {
			integer( b.length );
			bytes.writeBytes( b );
		}

		void string(String s) {
			bytes( s.getBytes( StandardCharsets.UTF_8 ) );
		}

		byte[] bytes() {
			return bytes.toByteArray();
		}
	}

	/**
	 * Reads a record's payload, which passed its CRC but may still be hostile: every declared length and count is
	 * checked against the bytes left before anything is allocated, nesting is bounded, and numbers in text form are
	 * bounded in length (parsing them is not linear).
	 */
	private static final class In {
		static final int MAX_DEPTH = 64;
		static final int MAX_NUMBER_CHARS = 200_000;

		private final ByteBuffer buffer;
		int depth;

		In(ByteBuffer buffer) {
			this.buffer = buffer;
		}

		/** A count of items of at least {@code minBytes} bytes each, checked against the bytes left. */
		int count(int minBytes) {
			int n = buffer.getInt();
			if ( n < 0 || (long) n * minBytes > buffer.remaining() ) {
				throw new JournalException( "A journal record declares " + n + " item(s) but has " + buffer.remaining()
						+ " byte(s) left" );
			}
			return n;
		}

		String number() {
			String text = string();
			if ( text.length() > MAX_NUMBER_CHARS ) {
				throw new JournalException( "A journaled number of " + text.length() + " characters, over the limit of "
						+ MAX_NUMBER_CHARS );
			}
			return text;
		}

		byte tag() {
			return buffer.get();
		}

		int integer() {
			return buffer.getInt();
		}

		long longValue() {
			return buffer.getLong();
		}

		boolean bool() {
			return buffer.get() != 0;
		}

		byte[] byteArray() {
			int length = buffer.getInt();
			if ( length < 0 || length > buffer.remaining() ) {
				throw new JournalException( "A journal record declares a value of " + length + " byte(s) but has "
						+ buffer.remaining() + " byte(s) left" );
			}
			byte[] b = new byte[length];
			buffer.get( b );
			return b;
		}

		String string() {
			return new String( byteArray(), StandardCharsets.UTF_8 );
		}
	}
}
