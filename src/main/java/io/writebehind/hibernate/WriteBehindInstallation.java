package io.writebehind.hibernate;

import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.queue.EntityRegion;

/**
 * What the listeners of one SessionFactory share: the runtime, set once the factory is built (no session exists
 * before), and cleared when it closes.
 */
final class WriteBehindInstallation {

	private volatile WriteBehindRuntime runtime;
	private volatile WriteCaptureListener capture;
	/** Builds entities from cached states; its per-entity memo lives as long as this factory. */
	private final CachedEntityLoader loader = new CachedEntityLoader();

	CachedEntityLoader loader() {
		return loader;
	}

	void capture(WriteCaptureListener capture) {
		this.capture = capture;
	}

	/** The writes the session's current transaction has captured (not committed yet), or {@code null}. */
	TransactionWrites ownWrites(SharedSessionContractImplementor session) {
		WriteCaptureListener listener = capture;
		return listener == null ? null : listener.current( session );
	}

	void runtime(WriteBehindRuntime runtime) {
		this.runtime = runtime;
	}

	WriteBehindRuntime runtime() {
		return runtime;
	}

	/** The region of an opted-in entity written or read by an application session; {@code null} otherwise. */
	EntityRegion regionOf(EntityPersister persister, SharedSessionContractImplementor session) {
		WriteBehindRuntime current = runtime;
		if ( current == null || session.isStateless() ) {
			return null;
		}
		return current.regionOf( persister.getEntityName() );
	}

	EntityRegion regionOf(String entityName) {
		WriteBehindRuntime current = runtime;
		return current == null ? null : current.regionOf( entityName );
	}
}
