package io.writebehind.examples.springboot;

import java.util.List;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/counters")
public class CounterController {

	private final CounterService service;
	private final CounterRepository counters;

	public CounterController(CounterService service, CounterRepository counters) {
		this.service = service;
		this.counters = counters;
	}

	@GetMapping
	public List<Counter> all() {
		return counters.findAll();
	}

	@GetMapping("/{id}")
	public ResponseEntity<Counter> one(@PathVariable String id) {
		return ResponseEntity.of( counters.findById( id ) );
	}

	@PostMapping("/{id}/views")
	public ResponseEntity<Counter> view(@PathVariable String id) {
		return ResponseEntity.of( service.view( id ) );
	}

	@PostMapping("/{id}/likes")
	public ResponseEntity<Counter> like(@PathVariable String id) {
		return ResponseEntity.of( service.like( id ) );
	}
}
