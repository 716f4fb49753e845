package io.writebehind.examples.springboot;

import java.util.List;

import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** View counters and likes for a few pages, written behind: {@code POST /counters/home/views}. */
@SpringBootApplication
public class CountersApplication {

	/** The pages whose counters exist from the start. */
	static final List<String> PAGES = List.of( "home", "pricing", "blog" );

	public static void main(String[] args) {
		SpringApplication.run( CountersApplication.class, args );
	}

	@Bean
	ApplicationRunner createCounters(CounterRepository counters) {
		return args -> PAGES.forEach( page -> {
			if ( !counters.existsById( page ) ) {
				counters.save( new Counter( page ) );
			}
		} );
	}
}
