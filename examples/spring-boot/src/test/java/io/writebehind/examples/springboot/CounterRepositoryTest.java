package io.writebehind.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.jdbc.core.JdbcTemplate;

import io.writebehind.WriteBehind;

/**
 * {@code @DataJpaTest} slices run with write-behind active, as the application does; {@code writebehind.enabled=false}
 * tests the same repository with plain Hibernate writes.
 */
class CounterRepositoryTest {

	@Nested
	@DataJpaTest
	@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE) // the profile's database
	class WithWriteBehind {

		@Autowired
		CounterRepository counters;

		@Autowired
		ObjectProvider<WriteBehind> writeBehind;

		@Test
		void theSliceHasWriteBehind() {
			assertThat( writeBehind.getIfAvailable() ).isNotNull();
			counters.save( new Counter( "slice" ) );
			assertThat( counters.findById( "slice" ) ).isPresent();
		}
	}

	@Nested
	@DataJpaTest(properties = "writebehind.enabled=false")
	@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
	class WithoutWriteBehind {

		@Autowired
		CounterRepository counters;

		@Autowired
		ObjectProvider<WriteBehind> writeBehind;

		@Autowired
		JdbcTemplate jdbc;

		@Test
		void writesAreSynchronous() {
			assertThat( writeBehind.getIfAvailable() ).isNull();
			counters.saveAndFlush( new Counter( "plain" ) );
			// the row is in the table inside the test's transaction, as with plain Hibernate
			assertThat( jdbc.queryForObject( "select count(*) from example_counter where id = 'plain'", Long.class ) )
					.isEqualTo( 1 );
		}
	}
}
