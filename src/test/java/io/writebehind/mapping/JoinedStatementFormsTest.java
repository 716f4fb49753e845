package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.hibernate.annotations.ColumnTransformer;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import io.writebehind.testing.TestDatabase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * The flusher's multi-row forms are built only from SQL of Hibernate's standard form: a write expression
 * ({@code @ColumnTransformer}) keeps the update and the insert of that entity in JDBC batches of the persister's own
 * statement (on PostgreSQL the delete, of the standard form, is still joined with a values list), and every row is
 * written as Hibernate would write it.
 */
class JoinedStatementFormsTest extends MappingTestBase {

	@Entity(name = "WbmJfNote")
	@Table(name = "wbm_jf_note")
	@WriteBehindEntity
	static class Note {
		@Id
		Long id;
		@Version
		long version;
		@Column(length = 20)
		@ColumnTransformer(write = "upper(?)")
		String text;

		Note() {
		}

		Note(Long id, String text) {
			this.id = id;
			this.text = text;
		}
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Note.class };
	}

	private long executions(String keyword, boolean joined) {
		return connections.sql().executions( e -> e.is( keyword ) && e.touches( "wbm_jf_note" )
				&& ( e.sql().contains( " (values (" ) || e.sql().contains( "),(" ) ) == joined );
	}

	@Test
	void aWriteExpressionKeepsItsStatementsInBatchesAndTheRowsAreHibernates() {
		inTransaction( em -> {
			for ( long id = 1; id <= 150; id++ ) {
				em.persist( new Note( id, "note " + id ) );
			}
		} );
		connections.sql().clear();
		flushWithoutSelect();
		assertEquals( 0, executions( "insert", true ), connections.sql()::toString );
		assertEquals( 150, count( "select count(*) from wbm_jf_note where text = concat( 'NOTE ', id ) and version = 0" ) );

		inTransaction( em -> {
			for ( long id = 1; id <= 150; id++ ) {
				em.find( Note.class, id ).text = "changed " + id;
			}
		} );
		connections.sql().clear();
		flushWithoutSelect();
		assertEquals( 0, executions( "update", true ), connections.sql()::toString );
		assertEquals( 150, count( "select count(*) from wbm_jf_note where text = concat( 'CHANGED ', id ) and version = 1" ) );

		inTransaction( em -> {
			for ( long id = 1; id <= 150; id++ ) {
				em.remove( em.find( Note.class, id ) );
			}
		} );
		connections.sql().clear();
		flushWithoutSelect();
		// hibernate.jdbc.batch_size=100: on PostgreSQL deletes of 100 and 50 rows, each one statement
		assertEquals( database == TestDatabase.POSTGRESQL ? 2 : 0, executions( "delete", true ), connections.sql()::toString );
		assertEquals( 0, count( "select count(*) from wbm_jf_note" ) );
	}
}
