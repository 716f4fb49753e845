package io.writebehind.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

import io.writebehind.WriteBehind;

/**
 * The service over HTTP, on H2 (and on PostgreSQL with the postgresql profile, which {@code mvn verify} runs too):
 * many concurrent increments on few ids, then every one of them is in the table after a flush through the actuator
 * endpoint, and the health component is UP.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CountersApplicationTest {

	private static final int THREADS = 8;
	private static final int VIEWS_PER_THREAD = 150;

	@Autowired
	Environment environment;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	WriteBehind writeBehind;

	private final HttpClient http = HttpClient.newHttpClient();

	private HttpResponse<String> call(String method, String path) throws Exception {
		URI uri = URI.create( "http://127.0.0.1:" + environment.getProperty( "local.server.port" ) + path );
		HttpRequest request = HttpRequest.newBuilder( uri ).method( method, HttpRequest.BodyPublishers.noBody() ).build();
		return http.send( request, HttpResponse.BodyHandlers.ofString() );
	}

	@Test
	void concurrentViewsAndLikesAllReachTheDatabase() throws Exception {
		long viewsBefore = sum( "views" );
		long likesBefore = sum( "likes" );
		ExecutorService pool = Executors.newFixedThreadPool( THREADS );
		try {
			List<Future<?>> done = new ArrayList<>();
			for ( int t = 0; t < THREADS; t++ ) {
				int thread = t;
				done.add( pool.submit( () -> {
					for ( int i = 0; i < VIEWS_PER_THREAD; i++ ) {
						String page = CountersApplication.PAGES.get( ( thread + i ) % CountersApplication.PAGES.size() );
						assertThat( call( "POST", "/counters/" + page + "/views" ).statusCode() ).isEqualTo( 200 );
						if ( i % 10 == 0 ) {
							assertThat( call( "POST", "/counters/" + page + "/likes" ).statusCode() ).isEqualTo( 200 );
						}
					}
					return null;
				} ) );
			}
			for ( Future<?> future : done ) {
				future.get();
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat( call( "POST", "/counters/nowhere/views" ).statusCode() ).isEqualTo( 404 );

		HttpResponse<String> flush = call( "POST", "/actuator/writebehind/flush" );
		assertThat( flush.statusCode() ).isEqualTo( 200 );
		assertThat( flush.body() ).contains( "\"flushed\":true" );
		assertThat( sum( "views" ) - viewsBefore ).isEqualTo( THREADS * VIEWS_PER_THREAD );
		assertThat( sum( "likes" ) - likesBefore ).isEqualTo( THREADS * ( VIEWS_PER_THREAD / 10 ) );
		assertThat( writeBehind.stats().coalesced() ).as( "many increments on few ids: most commits cost no statement" )
				.isPositive();

		HttpResponse<String> stats = call( "GET", "/actuator/writebehind" );
		assertThat( stats.statusCode() ).isEqualTo( 200 );
		assertThat( stats.body() ).contains( "\"entityManagerFactory\"" ).contains( "\"coalesced\"" );
		HttpResponse<String> health = call( "GET", "/actuator/health" );
		assertThat( health.body() ).containsPattern( "\"writeBehind\":\\{\"details\":\\{[^}]*\"pending\":0[^}]*},\"status\":\"UP\"" );
		assertThat( call( "GET", "/counters/home" ).body() ).contains( "\"views\":" );
	}

	private long sum(String column) {
		Long sum = jdbc.queryForObject( "select coalesce(sum(" + column + "), 0) from example_counter", Long.class );
		return sum == null ? 0 : sum;
	}
}
