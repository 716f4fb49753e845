package io.writebehind.core;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import io.writebehind.model.Counter;
import io.writebehind.model.Note;
import io.writebehind.testing.WriteBehindTestBase;

class SmokeTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class, Note.class };
	}

	@Test
	void persistFindUpdateRemove() {
		inTransaction( em -> em.persist( new Counter( 1L, "a", 5 ) ) );
		assertEquals( 0, connections.sql().touching( "wb_counter" ), connections.sql().toString() );
		Counter found = fromTransaction( em -> em.find( Counter.class, 1L ) );
		assertEquals( 5, found.getTotal() );
		assertEquals( 0, connections.sql().touching( "wb_counter" ), connections.sql().toString() );
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		inTransaction( em -> em.find( Counter.class, 1L ).increment() );
		assertEquals( 0, connections.sql().touching( "wb_counter" ), connections.sql().toString() );
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		writeBehind().flush();
		System.out.println( connections.sql() );
		assertEquals( 7, count( "select total from wb_counter where id = 1" ) );
		assertEquals( 2, count( "select version from wb_counter where id = 1" ) );
		inTransaction( em -> em.remove( em.find( Counter.class, 1L ) ) );
		assertNull( fromTransaction( em -> em.find( Counter.class, 1L ) ) );
		assertEquals( 1, count( "select count(*) from wb_counter" ) );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wb_counter" ) );
		System.out.println( writeBehind().stats() );
	}
}
