package io.writebehind.failures;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Issue 5, point 7: foreign keys hold. Opted-in parent and child pending together: the parent is inserted first and
 * deleted last. An entity that is not opted in, written synchronously, that references an opted-in entity whose row is
 * not written yet: that row is written first.
 */
class ForeignKeyOrderTest extends WriteBehindTestBase {

	@Entity
	@Table(name = "wbk_parent")
	@WriteBehindEntity
	public static class Parent {
		@Id
		Long id;
		@Version
		int version;
		String name;
	}

	/** Declared before Parent's region would be, to prove ordering does not depend on declaration order. */
	@Entity
	@Table(name = "wbk_child")
	@WriteBehindEntity
	public static class Child {
		@Id
		Long id;
		@Version
		int version;
		@ManyToOne(fetch = FetchType.LAZY, optional = false)
		Parent parent;
	}

	/** Not opted in: written by the application's own transaction. */
	@Entity
	@Table(name = "wbk_audit")
	public static class Audit {
		@Id
		Long id;
		@ManyToOne(fetch = FetchType.LAZY, optional = false)
		Parent parent;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Child.class, Audit.class, Parent.class };
	}

	private static Parent parent(long id) {
		Parent p = new Parent();
		p.id = id;
		p.name = "p" + id;
		return p;
	}

	@Test
	void parentsAreInsertedBeforeChildrenAndDeletedAfterThem() {
		inTransaction( em -> {
			for ( long id = 1; id <= 20; id++ ) {
				Parent p = parent( id );
				em.persist( p );
				Child c = new Child();
				c.id = id;
				c.parent = p;
				em.persist( c );
			}
		} );
		writeBehind().flush();
		assertEquals( 20, count( "select count(*) from wbk_child c join wbk_parent p on p.id = c.parent_id" ) );
		inTransaction( em -> {
			for ( long id = 1; id <= 20; id++ ) {
				Child c = em.find( Child.class, id );
				em.remove( c );
				em.remove( c.parent );
			}
		} );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wbk_child" ) + count( "select count(*) from wbk_parent" ) );
		assertEquals( 0, writeBehind().stats().failed() );
	}

	@Test
	void aSynchronousEntityReferencingAParentNewInTheSameTransactionGetsItsRowFirst() {
		inTransaction( em -> {
			Parent p = parent( 1 );
			em.persist( p );
			Audit a = new Audit();
			a.id = 1L;
			a.parent = p;
			em.persist( a );
		} );
		assertEquals( 1, count( "select count(*) from wbk_audit" ) );
		assertEquals( 1, count( "select count(*) from wbk_parent where id = 1" ) );
		assertEquals( "p1", fromTransaction( em -> em.find( Parent.class, 1L ) ).name );
		inTransaction( em -> em.find( Parent.class, 1L ).name = "renamed" );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wbk_parent where id = 1 and name = 'renamed' and version = 1" ) );
		assertEquals( 0, writeBehind().stats().failed() + writeBehind().stats().conflicts() );
	}

	@Test
	void aSynchronousEntityReferencingAPendingParentFlushesItFirst() {
		inTransaction( em -> em.persist( parent( 1 ) ) );
		assertEquals( 0, count( "select count(*) from wbk_parent" ) );
		inTransaction( em -> {
			Audit a = new Audit();
			a.id = 1L;
			a.parent = em.getReference( Parent.class, 1L );
			em.persist( a );
		} );
		assertEquals( 1, count( "select count(*) from wbk_audit a join wbk_parent p on p.id = a.parent_id" ) );
	}

	@Test
	void aRolledBackTransactionTakesTheParentRowItWroteWithIt() {
		var em = emf.createEntityManager();
		em.getTransaction().begin();
		Parent p = parent( 1 );
		em.persist( p );
		Audit a = new Audit();
		a.id = 1L;
		a.parent = p;
		em.persist( a );
		em.flush();
		em.getTransaction().rollback();
		em.close();
		assertEquals( 0, count( "select count(*) from wbk_parent" ) );
		assertNull( fromTransaction( e -> e.find( Parent.class, 1L ) ) );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wbk_parent" ) );
	}
}
