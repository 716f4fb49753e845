package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.hibernate.annotations.DynamicInsert;
import org.hibernate.annotations.DynamicUpdate;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * {@code @DynamicInsert} / {@code @DynamicUpdate} entities, and columns that are not insertable or not updatable: the
 * flusher writes exactly what Hibernate would have written for the latest committed state.
 */
class DynamicStatementsMappingTest extends MappingTestBase {

	@Entity(name = "WbmDynamic")
	@Table(name = "wbm_dynamic")
	@DynamicInsert
	@DynamicUpdate
	@WriteBehindEntity
	static class Dynamic {
		@Id
		Long id;
		@Version
		int version;
		String a;
		String b;
		@Column(columnDefinition = "varchar(20) default 'by-default'")
		String c;
	}

	@Entity(name = "WbmPartlyWritable")
	@Table(name = "wbm_partly_writable")
	@WriteBehindEntity
	static class PartlyWritable {
		@Id
		Long id;
		@Version
		int version;
		@Column(updatable = false)
		String createdBy;
		String note;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Dynamic.class, PartlyWritable.class };
	}

	@Test
	void dynamicInsertAndUpdate() {
		inTransaction( em -> {
			Dynamic d = new Dynamic();
			d.id = 1L;
			d.a = "a1";
			em.persist( d );
		} );
		flushWithoutSelect();
		Map<String, Object> row = row( "select * from wbm_dynamic where id = 1" );
		assertEquals( "a1", string( row, "a" ) );
		assertNull( row.get( "b" ) );
		assertEquals( "by-default", string( row, "c" ), "a dynamic insert leaves out null columns" );

		// two commits coalesced: one changed a, the other b; both must reach the database
		inTransaction( em -> em.find( Dynamic.class, 1L ).a = "a2" );
		inTransaction( em -> em.find( Dynamic.class, 1L ).b = "b2" );
		flushWithoutSelect();
		row = row( "select * from wbm_dynamic where id = 1" );
		assertEquals( "a2", string( row, "a" ) );
		assertEquals( "b2", string( row, "b" ) );
		assertEquals( 2L, longValue( row, "version" ) );

		// a value set back to null
		inTransaction( em -> em.find( Dynamic.class, 1L ).a = null );
		flushWithoutSelect();
		row = row( "select * from wbm_dynamic where id = 1" );
		assertNull( row.get( "a" ) );
		assertEquals( "b2", string( row, "b" ) );
		assertEquals( 3L, longValue( row, "version" ) );
	}

	@Test
	void notUpdatableColumnKeepsItsInsertedValue() {
		inTransaction( em -> {
			PartlyWritable p = new PartlyWritable();
			p.id = 1L;
			p.createdBy = "ann";
			p.note = "first";
			em.persist( p );
		} );
		inTransaction( em -> em.find( PartlyWritable.class, 1L ).note = "second" );
		flushWithoutSelect();
		Map<String, Object> row = row( "select * from wbm_partly_writable where id = 1" );
		assertEquals( "ann", string( row, "createdby" ) );
		assertEquals( "second", string( row, "note" ) );
		inTransaction( em -> {
			PartlyWritable p = em.find( PartlyWritable.class, 1L );
			p.note = "third";
		} );
		flushWithoutSelect();
		row = row( "select * from wbm_partly_writable where id = 1" );
		assertEquals( "ann", string( row, "createdby" ) );
		assertEquals( "third", string( row, "note" ) );
	}
}
