package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.OneToMany;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** A tree: an opted-in entity with a {@code @ManyToOne} to its own type, and the inverse children collection. */
class SelfReferenceMappingTest extends MappingTestBase {

	@Entity(name = "WbmCategory")
	@Table(name = "wbm_category")
	@WriteBehindEntity
	static class Category {
		@Id
		Long id;
		@Version
		int version;
		String name;
		@ManyToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "parent_id")
		Category parent;
		@OneToMany(mappedBy = "parent")
		List<Category> children = new ArrayList<>();

		Category() {
		}

		Category(Long id, String name, Category parent) {
			this.id = id;
			this.name = name;
			this.parent = parent;
			if ( parent != null ) {
				parent.children.add( this );
			}
		}

		Category getParent() {
			return parent;
		}

		String getName() {
			return name;
		}
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Category.class };
	}

	private Long parentIdInDatabase(long id) {
		return longValue( row( "select parent_id from wbm_category where id = ?", id ), "parent_id" );
	}

	private void persistTree() {
		inTransaction( em -> {
			Category root = new Category( 1L, "root", null );
			Category child = new Category( 2L, "child", root );
			Category grandchild = new Category( 3L, "grandchild", child );
			em.persist( root );
			em.persist( child );
			em.persist( grandchild );
		} );
	}

	@Test
	void treePersistedInOneTransaction() {
		persistTree();
		sql().clear();
		String path = fromTransaction( em -> {
			Category grandchild = em.find( Category.class, 3L );
			return grandchild.getParent().getParent().getName() + "/" + grandchild.getParent().getName() + "/"
					+ grandchild.getName();
		} );
		assertEquals( "root/child/grandchild", path );
		assertNoSqlOn( "wbm_category" );
		flushWithoutSelect();
		assertNull( parentIdInDatabase( 1L ) );
		assertEquals( 1L, parentIdInDatabase( 2L ) );
		assertEquals( 2L, parentIdInDatabase( 3L ) );
	}

	@Test
	void treeGrownOverSeveralTransactions() {
		inTransaction( em -> em.persist( new Category( 1L, "root", null ) ) );
		writeBehind().flush();
		inTransaction( em -> em.persist( new Category( 2L, "child", em.find( Category.class, 1L ) ) ) );
		inTransaction( em -> em.persist( new Category( 3L, "grandchild", em.getReference( Category.class, 2L ) ) ) );
		flushWithoutSelect();
		assertEquals( 1L, parentIdInDatabase( 2L ) );
		assertEquals( 2L, parentIdInDatabase( 3L ) );
		// move the grandchild up to the root
		inTransaction( em -> em.find( Category.class, 3L ).parent = em.getReference( Category.class, 1L ) );
		assertEquals( "root", fromTransaction( em -> em.find( Category.class, 3L ).getParent().getName() ) );
		flushWithoutSelect();
		assertEquals( 1L, parentIdInDatabase( 3L ) );
	}

	@Test
	void childPersistedBeforeItsParentThenAttached() {
		// the child's INSERT is pending when the parent is created and the child attached to it: the two commits are
		// coalesced into one INSERT of the child that references a row inserted after it was first queued
		inTransaction( em -> em.persist( new Category( 2L, "child", null ) ) );
		inTransaction( em -> {
			Category root = new Category( 1L, "root", null );
			em.persist( root );
			em.find( Category.class, 2L ).parent = root;
		} );
		assertEquals( "root", fromTransaction( em -> em.find( Category.class, 2L ).getParent().getName() ) );
		flushWithoutSelect();
		assertEquals( 1L, parentIdInDatabase( 2L ) );
		assertNull( parentIdInDatabase( 1L ) );
	}

	@Test
	void removingTheTreeInOneTransaction() {
		persistTree();
		writeBehind().flush();
		inTransaction( em -> {
			em.remove( em.find( Category.class, 3L ) );
			em.remove( em.find( Category.class, 2L ) );
			em.remove( em.find( Category.class, 1L ) );
		} );
		assertNull( fromTransaction( em -> em.find( Category.class, 2L ) ) );
		flushWithoutSelect();
		assertEquals( 0, count( "select count(*) from wbm_category" ) );
	}

	@Test
	void removingTheTreeWhileTheRootHasAPendingUpdate() {
		persistTree();
		writeBehind().flush();
		inTransaction( em -> em.find( Category.class, 1L ).name = "renamed root" ); // queued first
		inTransaction( em -> {
			em.remove( em.find( Category.class, 3L ) );
			em.remove( em.find( Category.class, 2L ) );
			em.remove( em.find( Category.class, 1L ) );
		} );
		flushWithoutSelect();
		assertEquals( 0, count( "select count(*) from wbm_category" ) );
	}

	@Test
	void childrenOfTheTreeReadFromANewEntityManager() {
		persistTree();
		List<Long> before = fromTransaction( em -> em.find( Category.class, 1L ).children.stream().map( c -> c.id ).toList() );
		assertEquals( List.of( 2L ), before, "children of a committed, not yet flushed parent" );
		writeBehind().flush();
		List<Long> after = fromTransaction( em -> em.find( Category.class, 2L ).children.stream().map( c -> c.id ).toList() );
		assertEquals( List.of( 3L ), after );
	}
}
