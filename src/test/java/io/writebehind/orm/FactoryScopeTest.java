package io.writebehind.orm;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Map;

import org.hibernate.SessionFactory;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindEntity;
import io.writebehind.testing.Await;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OneToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Issue 15 point 3: what write-behind memoises per entity persister (the owners of inverse one-to-ones) is scoped to
 * its SessionFactory: once the factory is closed and the application drops it, nothing of write-behind's keeps it
 * reachable (a static map keyed by persisters did).
 */
class FactoryScopeTest extends WriteBehindTestBase {

	@Entity(name = "WboBox")
	@Table(name = "wbo_box")
	@WriteBehindEntity
	static class Box {
		@Id
		Long id;
		@Version
		long version;
		@OneToOne(mappedBy = "box")
		Tag tag;
	}

	@Entity(name = "WboTag")
	@Table(name = "wbo_tag")
	@WriteBehindEntity
	static class Tag {
		@Id
		Long id;
		@Version
		long version;
		@OneToOne
		@JoinColumn(name = "box_id")
		Box box;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Box.class, Tag.class };
	}

	@Test
	void aClosedFactoryIsNotKeptReachable() {
		WeakReference<SessionFactory> closed = useAndClose();
		Await.until( Duration.ofSeconds( 60 ), "the closed factory collected", () -> {
			System.gc();
			return closed.get() == null;
		} );
	}

	/** A factory whose loads resolved an inverse one-to-one (from the database and from the cache), then closed. */
	private WeakReference<SessionFactory> useAndClose() {
		EntityManagerFactory other = buildFactory( connections, Map.of( "hibernate.hbm2ddl.auto", "none" ) );
		try {
			inTransaction( other, em -> {
				Box box = new Box();
				box.id = 1L;
				em.persist( box );
			} );
			WriteBehind.of( other ).flush();
			inTransaction( other, em -> assertNotNull( em.find( Box.class, 1L ) ) );
			other.getCache().evictAll();
			return new WeakReference<>( other.unwrap( SessionFactory.class ) );
		}
		finally {
			other.close();
		}
	}
}
