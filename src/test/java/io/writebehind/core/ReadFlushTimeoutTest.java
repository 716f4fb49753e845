package io.writebehind.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindEntity;
import io.writebehind.WriteBehindSettings;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.LockModeType;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OneToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Issue 15 point 6: every flush an application thread waits for before a read is bounded by
 * {@code read_flush_timeout_ms} (not {@code shutdown_timeout_ms}, not a day), and when it runs out the read fails
 * with a {@code QueryTimeoutException} naming that setting; the writes stay queued and reach the database once it can
 * be written again. The flusher cannot write while the connection provider is down; the application's transaction
 * holds its connection from {@code begin()} on and fails before it sends a statement.
 */
class ReadFlushTimeoutTest extends WriteBehindTestBase {

	@Entity(name = "WbrfItem")
	@Table(name = "wbrf_item")
	@WriteBehindEntity
	static class Item {
		@Id
		Long id;
		@Version
		long version;
		String name;
		@ManyToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "shelf_id")
		Shelf shelf;

		Item() {
		}

		Item(Long id, String name, Shelf shelf) {
			this.id = id;
			this.name = name;
			this.shelf = shelf;
		}
	}

	/** A normal entity with an inverse collection of opted-in elements. */
	@Entity(name = "WbrfShelf")
	@Table(name = "wbrf_shelf")
	static class Shelf {
		@Id
		Long id;
		@OneToMany(mappedBy = "shelf")
		List<Item> items = new ArrayList<>();

		Shelf() {
		}

		Shelf(Long id) {
			this.id = id;
		}
	}

	/** A normal entity referencing an opted-in one. */
	@Entity(name = "WbrfLabel")
	@Table(name = "wbrf_label")
	static class Label {
		@Id
		Long id;
		@ManyToOne
		@JoinColumn(name = "item_id")
		Item item;

		Label() {
		}

		Label(Long id, Item item) {
			this.id = id;
			this.item = item;
		}
	}

	/** Opted in, with the inverse side of a one-to-one owned by {@link Tag}. */
	@Entity(name = "WbrfBox")
	@Table(name = "wbrf_box")
	@WriteBehindEntity
	static class Box {
		@Id
		Long id;
		@Version
		long version;
		@OneToOne(mappedBy = "box")
		Tag tag;

		Box() {
		}

		Box(Long id) {
			this.id = id;
		}
	}

	@Entity(name = "WbrfTag")
	@Table(name = "wbrf_tag")
	@WriteBehindEntity
	static class Tag {
		@Id
		Long id;
		@Version
		long version;
		@OneToOne
		@JoinColumn(name = "box_id")
		Box box;

		Tag() {
		}

		Tag(Long id, Box box) {
			this.id = id;
			this.box = box;
		}
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Item.class, Shelf.class, Label.class, Box.class, Tag.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.READ_FLUSH_TIMEOUT_MS, "100" );
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "10" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "20" );
	}

	@Test
	void aQueryFailsNamingTheSetting() {
		inTransaction( em -> em.persist( new Item( 1L, "pending", null ) ) );
		timesOut( em -> em.createQuery( "select i from WbrfItem i", Item.class ).getResultList() );
		assertWritten( "select count(*) from wbrf_item where id = 1" );
	}

	@Test
	void aRefreshFailsNamingTheSetting() {
		inTransaction( em -> em.persist( new Item( 1L, "first", null ) ) );
		writeBehind().flush();
		inTransaction( em -> em.find( Item.class, 1L ).name = "second" );
		timesOut( em -> em.refresh( em.find( Item.class, 1L ) ), em -> em.find( Item.class, 1L ) );
		assertWritten( "select count(*) from wbrf_item where id = 1 and name = 'second'" );
	}

	@Test
	void aLockingFindFailsNamingTheSetting() {
		inTransaction( em -> em.persist( new Item( 1L, "pending", null ) ) );
		timesOut( em -> em.find( Item.class, 1L, LockModeType.PESSIMISTIC_WRITE ) );
		assertWritten( "select count(*) from wbrf_item where id = 1" );
	}

	@Test
	void aCollectionLoadOfOptedInElementsFailsNamingTheSetting() {
		inTransaction( em -> em.persist( new Shelf( 1L ) ) );
		inTransaction( em -> em.persist( new Item( 1L, "pending", em.find( Shelf.class, 1L ) ) ) );
		Shelf[] shelf = new Shelf[1];
		timesOut( em -> shelf[0].items.size(), em -> shelf[0] = em.find( Shelf.class, 1L ) );
		assertWritten( "select count(*) from wbrf_item where id = 1 and shelf_id = 1" );
	}

	@Test
	void aReferenceToAPendingInsertFailsNamingTheSetting() {
		inTransaction( em -> em.persist( new Item( 1L, "pending", null ) ) );
		timesOut( em -> {
			em.persist( new Label( 1L, em.getReference( Item.class, 1L ) ) );
			em.flush();
		} );
		assertWritten( "select count(*) from wbrf_item where id = 1" );
		assertEquals( 0, count( "select count(*) from wbrf_label" ) );
	}

	@Test
	void aLoadResolvingAnInverseOneToOneFailsNamingTheSetting() {
		inTransaction( em -> em.persist( new Box( 1L ) ) );
		writeBehind().flush();
		inTransaction( em -> em.persist( new Tag( 1L, em.find( Box.class, 1L ) ) ) );
		timesOut( em -> em.find( Box.class, 1L ) );
		assertWritten( "select count(*) from wbrf_tag where id = 1 and box_id = 1" );
	}

	private void timesOut(Consumer<EntityManager> read) {
		timesOut( read, em -> {
		} );
	}

	/** {@code before} runs with the database up, {@code read} with the flusher unable to write. */
	private void timesOut(Consumer<EntityManager> read, Consumer<EntityManager> before) {
		EntityManager em = emf.createEntityManager();
		RuntimeException failure;
		try {
			em.getTransaction().begin();
			before.accept( em );
			connections.down( true );
			failure = assertThrows( RuntimeException.class, () -> read.accept( em ) );
		}
		finally {
			connections.down( false );
			if ( em.getTransaction().isActive() ) {
				em.getTransaction().rollback();
			}
			em.close();
		}
		Throwable timeout = failure;
		while ( timeout != null && !( timeout instanceof org.hibernate.QueryTimeoutException ) ) {
			timeout = timeout.getCause();
		}
		assertNotNull( timeout, () -> "not a QueryTimeoutException: " + failure );
		assertTrue( timeout.getMessage().contains( WriteBehindSettings.READ_FLUSH_TIMEOUT_MS + "=100 ms" ),
				timeout.getMessage() );
	}

	/** Nothing was lost: once the database is back the pending writes reach it. */
	private void assertWritten(String countSql) {
		WriteBehind.of( emf ).flush();
		assertEquals( List.of(), writeBehind().failedWrites() );
		assertEquals( 1, count( countSql ) );
	}
}
