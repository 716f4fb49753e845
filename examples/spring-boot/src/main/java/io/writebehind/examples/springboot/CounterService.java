package io.writebehind.examples.springboot;

import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Read-modify-write of a counter in its own transaction; two concurrent increments of one id cannot both win (the
 * version is checked at commit), so the loser is retried, after a short random pause that grows with each attempt:
 * the winner may still be completing its commit (a thread preempted there holds the id's version for a moment), and
 * retrying at once would only lose again.
 */
@Service
public class CounterService {

	private static final int ATTEMPTS = 50;
	/** The longest pause between two attempts. */
	private static final long MAX_PAUSE_MICROS = 20_000;

	private final CounterRepository counters;
	private final TransactionTemplate transaction;

	public CounterService(CounterRepository counters, TransactionTemplate transaction) {
		this.counters = counters;
		this.transaction = transaction;
	}

	public Optional<Counter> view(String id) {
		return change( id, Counter::view );
	}

	public Optional<Counter> like(String id) {
		return change( id, Counter::like );
	}

	private Optional<Counter> change(String id, Consumer<Counter> change) {
		for ( int attempt = 1; ; attempt++ ) {
			try {
				return transaction.execute( status -> counters.findById( id ).map( counter -> {
					change.accept( counter );
					return counter;
				} ) );
			}
			catch (OptimisticLockingFailureException lost) {
				if ( attempt == ATTEMPTS ) {
					throw lost;
				}
				long pause = Math.min( MAX_PAUSE_MICROS, 50L << Math.min( attempt, 10 ) );
				LockSupport.parkNanos( TimeUnit.MICROSECONDS.toNanos( ThreadLocalRandom.current().nextLong( pause / 2, pause + 1 ) ) );
			}
		}
	}
}
