package io.writebehind.spring;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import io.writebehind.FailedWrite;
import io.writebehind.WriteBehindListener;

/** A listener that records what it is told. */
public class RecordingListener implements WriteBehindListener {

	public final AtomicLong written = new AtomicLong();
	public final AtomicLong retries = new AtomicLong();
	public final List<FailedWrite> failed = new CopyOnWriteArrayList<>();

	@Override
	public void batchFlushed(String persistenceUnit, int writes, Duration duration) {
		written.addAndGet( writes );
	}

	@Override
	public void writeFailed(String persistenceUnit, FailedWrite write) {
		failed.add( write );
	}

	@Override
	public void retry(String persistenceUnit, int writes, int attempt, Duration backoff, Throwable cause) {
		retries.incrementAndGet();
	}
}
