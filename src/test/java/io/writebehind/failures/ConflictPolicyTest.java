package io.writebehind.failures;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import io.writebehind.ConflictPolicy;
import io.writebehind.ConflictResolver;
import io.writebehind.WriteBehindEntity;
import io.writebehind.WriteConflict;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Issue 5, point 6: each conflict policy against a second writer that changes rows with plain JDBC between our commit
 * and our flush.
 */
class ConflictPolicyTest extends WriteBehindTestBase {

	/** The columns every entity of this test has. */
	@MappedSuperclass
	public abstract static class Amount {
		@Id
		Long id;
		@Version
		int version;
		long amount;

		@SuppressWarnings("unchecked")
		<T extends Amount> T withId(long id) {
			this.id = id;
			return (T) this;
		}
	}

	@Entity
	@Table(name = "wbc_fail")
	@WriteBehindEntity
	public static class FailEntity extends Amount {
	}

	@Entity
	@Table(name = "wbc_dbwins")
	@WriteBehindEntity(conflictPolicy = ConflictPolicy.DATABASE_WINS)
	public static class DatabaseWinsEntity extends Amount {
	}

	@Entity
	@Table(name = "wbc_lww")
	@WriteBehindEntity(conflictPolicy = ConflictPolicy.LAST_WRITE_WINS)
	public static class LastWriteWinsEntity extends Amount {
	}

	/** Adds our change to the database's amount. */
	public static class AddingResolver implements ConflictResolver {
		@Override
		public Object resolve(WriteConflict conflict) {
			MergedEntity ours = (MergedEntity) conflict.ours();
			MergedEntity theirs = (MergedEntity) conflict.database();
			if ( ours == null || theirs == null ) {
				return null;
			}
			theirs.amount += ours.amount - ours.base;
			theirs.base = theirs.amount;
			return theirs;
		}
	}

	@Entity
	@Table(name = "wbc_merged")
	@WriteBehindEntity(conflictResolver = AddingResolver.class)
	public static class MergedEntity extends Amount {
		/** The amount this state was derived from. */
		long base;
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { FailEntity.class, DatabaseWinsEntity.class, LastWriteWinsEntity.class, MergedEntity.class };
	}

	private void persistFlushed(Amount... entities) {
		inTransaction( em -> {
			for ( Amount entity : entities ) {
				em.persist( entity );
			}
		} );
		writeBehind().flush();
	}

	private void commitThenChangeBehindOurBack(String table, Runnable commit) {
		commit.run();
		assertEquals( 1, update( "update " + table + " set amount = 500, version = version + 1 where id = 1" ) );
	}

	@Test
	void failHandsTheWriteToFailureHandling() {
		persistFlushed( new FailEntity().withId( 1 ) );
		commitThenChangeBehindOurBack( "wbc_fail", () -> inTransaction( em -> em.find( FailEntity.class, 1L ).amount = 7 ) );
		writeBehind().flush();
		assertEquals( 500, count( "select amount from wbc_fail where id = 1" ) );
		assertEquals( 1, writeBehind().stats().conflicts() );
		assertEquals( 1, writeBehind().failedWrites().size() );
		assertEquals( 500, fromTransaction( em -> em.find( FailEntity.class, 1L ) ).amount );
	}

	@Test
	void databaseWinsDiscardsOursAndRefreshesTheCache() {
		persistFlushed( new DatabaseWinsEntity().withId( 1 ) );
		commitThenChangeBehindOurBack( "wbc_dbwins", () -> inTransaction( em -> em.find( DatabaseWinsEntity.class, 1L ).amount = 7 ) );
		writeBehind().flush();
		assertEquals( 500, count( "select amount from wbc_dbwins where id = 1" ) );
		assertEquals( 1, writeBehind().stats().conflicts() );
		assertTrue( writeBehind().failedWrites().isEmpty() );
		DatabaseWinsEntity read = fromTransaction( em -> em.find( DatabaseWinsEntity.class, 1L ) );
		assertEquals( 500, read.amount );
		assertEquals( 1, read.version );
	}

	@Test
	void lastWriteWinsWritesOursOverTheCurrentVersion() {
		persistFlushed( new LastWriteWinsEntity().withId( 1 ) );
		commitThenChangeBehindOurBack( "wbc_lww", () -> inTransaction( em -> em.find( LastWriteWinsEntity.class, 1L ).amount = 7 ) );
		writeBehind().flush();
		assertEquals( 7, count( "select amount from wbc_lww where id = 1" ) );
		assertEquals( 2, count( "select version from wbc_lww where id = 1" ) );
		assertEquals( 1, writeBehind().stats().conflicts() );
		assertTrue( writeBehind().failedWrites().isEmpty() );
		LastWriteWinsEntity read = fromTransaction( em -> em.find( LastWriteWinsEntity.class, 1L ) );
		assertEquals( 7, read.amount );
		assertEquals( 2, read.version );
		// and the next write builds on the new version without another conflict
		inTransaction( em -> em.find( LastWriteWinsEntity.class, 1L ).amount = 8 );
		writeBehind().flush();
		assertEquals( 8, count( "select amount from wbc_lww where id = 1 and version = 3" ) );
		assertEquals( 1, writeBehind().stats().conflicts() );
	}

	@Test
	void lastWriteWinsRemovesTheChangedRowAndReinsertsARemovedOne() {
		persistFlushed( new LastWriteWinsEntity().withId( 1 ), new LastWriteWinsEntity().withId( 2 ) );
		inTransaction( em -> em.remove( em.find( LastWriteWinsEntity.class, 1L ) ) );
		update( "update wbc_lww set amount = 500, version = version + 1 where id = 1" );
		inTransaction( em -> em.find( LastWriteWinsEntity.class, 2L ).amount = 9 );
		update( "delete from wbc_lww where id = 2" );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wbc_lww where id = 1" ) );
		assertEquals( 9, count( "select amount from wbc_lww where id = 2" ) );
		assertEquals( 2, writeBehind().stats().conflicts() );
	}

	@Test
	void aCustomResolverMergesBothStates() {
		MergedEntity merged = new MergedEntity().withId( 1 );
		merged.amount = 100;
		merged.base = 100;
		persistFlushed( merged );
		// we add 5; behind our back someone sets 500 (from 100): merged, 505
		inTransaction( em -> em.find( MergedEntity.class, 1L ).amount += 5 );
		update( "update wbc_merged set amount = 500, base = 500, version = version + 1 where id = 1" );
		writeBehind().flush();
		assertEquals( 505, count( "select amount from wbc_merged where id = 1" ) );
		assertEquals( 1, writeBehind().stats().conflicts() );
		assertEquals( 505, fromTransaction( em -> em.find( MergedEntity.class, 1L ) ).amount );
	}
}
