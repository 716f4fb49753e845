package io.writebehind.observability;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.writebehind.FailedWrite;
import io.writebehind.WriteBehindEntity;
import io.writebehind.testing.LogCapture;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Issue 19, point 5: a write the database refuses with a message that quotes the row's values (a unique constraint:
 * "Key (email)=(...) already exists", "Duplicate entry '...'") is logged at ERROR with its entity and id, which the
 * operator needs, but without the values; those appear at DEBUG only. {@link FailedWrite#toString()} does not carry
 * them either.
 */
class PersonalDataLogTest extends WriteBehindTestBase {

	private static final String EMAIL = "alice.personal-data-19@example.com";

	@Entity
	@Table(name = "wb_person")
	@WriteBehindEntity
	public static class Person {
		@Id
		public Long id;

		@Version
		public long version;

		@Column(unique = true, length = 100)
		public String email;

		protected Person() {
		}

		Person(Long id, String email) {
			this.id = id;
			this.email = email;
		}
	}

	private LogCapture logs;
	private List<LogRecord> records;

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Person.class };
	}

	@BeforeEach
	void capture() {
		logs = LogCapture.start( Level.FINE, "io.writebehind" );
		records = logs.records();
	}

	@AfterEach
	void release() {
		logs.close();
	}

	private static String text(LogRecord record) {
		return LogCapture.messageWithCauses( record );
	}

	@Test
	void aRefusedWriteIsLoggedWithItsIdButNotItsValues() {
		jdbc( c -> c.createStatement().executeUpdate( "insert into wb_person (id, version, email) values (1, 0, '"
				+ EMAIL + "')" ) );
		inTransaction( em -> em.persist( new Person( 2L, EMAIL ) ) );
		writeBehind().flush();
		List<FailedWrite> failed = writeBehind().failedWrites();
		assertEquals( 1, failed.size() );
		assertFalse( failed.get( 0 ).toString().contains( EMAIL ), failed.get( 0 ).toString() );
		assertTrue( failed.get( 0 ).toString().contains( Person.class.getName() + "#2" ), failed.get( 0 ).toString() );

		String error = records.stream().map( PersonalDataLogTest::text ).filter( l -> l.startsWith( "WB000022: " ) )
				.findFirst().orElseThrow( () -> new AssertionError( records.stream().map( PersonalDataLogTest::text ).toList() ) );
		assertTrue( error.contains( Person.class.getName() + "#2" ), error );
		for ( LogRecord record : records ) {
			if ( record.getLevel().intValue() >= Level.INFO.intValue() ) {
				assertFalse( text( record ).contains( EMAIL ), "a line at " + record.getLevel() + " quotes the row: "
						+ text( record ) );
			}
		}
		// the whole cause, for whoever turns DEBUG on
		assertTrue( records.stream().anyMatch( r -> r.getLevel().intValue() < Level.INFO.intValue()
				&& text( r ).startsWith( "WB000383: " ) && text( r ).contains( Person.class.getName() + "#2" ) ),
				records.stream().map( PersonalDataLogTest::text ).toList().toString() );
	}
}
