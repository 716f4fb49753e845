package io.writebehind.integration;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Map;

import org.hibernate.SessionFactory;
import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.model.Counter;
import io.writebehind.testing.Await;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 15, point 2: the runtime of a factory lives in that factory's own service registry, not in a static map: once
 * the factory is closed and unreachable, nothing of write-behind keeps it (or its runtime) alive.
 */
class FactoryScopedRuntimeTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class };
	}

	@Test
	void aClosedFactoryIsNotKeptAliveByWriteBehind() {
		WeakReference<?>[] refs = closedFactoryAndItsRuntime();
		Await.until( Duration.ofSeconds( 30 ), "the closed factory and its runtime collected", () -> {
			System.gc();
			return refs[0].get() == null && refs[1].get() == null;
		} );
	}

	/** A second factory that writes, is closed, and is referenced only weakly afterwards. */
	private WeakReference<?>[] closedFactoryAndItsRuntime() {
		EntityManagerFactory factory = buildFactory( connections, Map.of() );
		inTransaction( factory, em -> em.persist( new Counter( 7L, "weak", 7 ) ) );
		WriteBehind writeBehind = WriteBehind.of( factory );
		writeBehind.flush();
		assertEquals( 1, writeBehind.stats().flushed() );
		WriteBehindRuntime runtime = WriteBehindRuntime.of( factory.unwrap( SessionFactory.class ) );
		assertNotNull( runtime );
		WeakReference<?>[] refs = { new WeakReference<>( factory ), new WeakReference<>( runtime ) };
		factory.close();
		assertTrue( runtime.isClosed() );
		return refs;
	}
}
