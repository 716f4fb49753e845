package io.writebehind.queries;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.queries.QueryEntities.Category;
import io.writebehind.queries.QueryEntities.EventualItem;
import io.writebehind.queries.QueryEntities.Item;
import io.writebehind.queries.QueryEntities.PlainItem;
import io.writebehind.testing.CountingConnectionProvider;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 13, point 8, with the journal on: the writes a transaction wrote itself for a query committed with it and are
 * not replayed as pending after a crash; what it changed after its last query is. The crash is played as in
 * {@code JournalTest}: the journal directory is copied while the factory runs, the factory is closed with the
 * database down, and a new factory starts on the copy.
 */
class OwnWritesJournalTest extends WriteBehindTestBase {

	@TempDir
	Path temp;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Category.class, Item.class, PlainItem.class, EventualItem.class };
	}

	@Override
	protected void properties(Map<String, Object> properties) {
		properties.put( WriteBehindSettings.JOURNAL_DIR, temp.resolve( "journal" ).toString() );
		properties.put( WriteBehindSettings.SHUTDOWN_TIMEOUT_MS, "300" );
		properties.put( WriteBehindSettings.RETRY_INITIAL_BACKOFF_MS, "10" );
		properties.put( WriteBehindSettings.RETRY_MAX_BACKOFF_MS, "50" );
	}

	private Path crash() throws IOException {
		Path image = temp.resolve( "image" );
		Files.createDirectories( image );
		try ( Stream<Path> files = Files.list( temp.resolve( "journal" ) ) ) {
			for ( Path file : files.toList() ) {
				Files.copy( file, image.resolve( file.getFileName() ) );
			}
		}
		connections.down( true );
		emf.close();
		connections.down( false );
		return image;
	}

	@Test
	void writesMadeForAQueryAreNotReplayedAndLaterChangesAre() throws IOException {
		inTransaction( em -> {
			for ( long id = 1; id <= 3; id++ ) {
				em.persist( new Item( id, "i", id, null ) );
			}
		} );
		assertTrue( writeBehind().flush( java.time.Duration.ofMinutes( 1 ) ) );
		inTransaction( em -> {
			em.find( Item.class, 1L ).price = 10;
			em.persist( new Item( 4L, "new", 4, null ) );
			assertEquals( 4L, em.createQuery( "select count(i) from Item i", Long.class ).getSingleResult() );
		} );
		inTransaction( em -> {
			Item two = em.find( Item.class, 2L );
			two.price = 20;
			assertEquals( 20L, em.createQuery( "select i.price from Item i where i.id = 2", Long.class ).getSingleResult() );
			two.price = 21;
		} );
		assertEquals( 1, writeBehind().stats().pending() );
		Path image = crash();
		assertEquals( 1, count( "select count(*) from wbq_item where id = 2 and price = 20 and version = 1" ) );

		CountingConnectionProvider provider = new CountingConnectionProvider( schema, true );
		EntityManagerFactory restarted = buildFactory( provider, Map.of( WriteBehindSettings.JOURNAL_DIR, image.toString(),
				"hibernate.hbm2ddl.auto", "none" ) );
		try {
			WriteBehind wb = WriteBehind.of( restarted );
			assertEquals( 1, wb.stats().pending(), "only the change made after the last query is replayed" );
			assertEquals( 21, fromTransaction( restarted, em -> em.find( Item.class, 2L ) ).price );
			assertTrue( wb.flush( java.time.Duration.ofMinutes( 1 ) ) );
			assertEquals( List.of(), wb.failedWrites() );
			assertEquals( 0, wb.stats().conflicts() );
		}
		finally {
			restarted.close();
			provider.closeAll();
		}
		assertEquals( 1, count( "select count(*) from wbq_item where id = 1 and price = 10 and version = 1" ) );
		assertEquals( 1, count( "select count(*) from wbq_item where id = 2 and price = 21 and version = 2" ) );
		assertEquals( 1, count( "select count(*) from wbq_item where id = 4 and version = 0" ) );
	}
}
