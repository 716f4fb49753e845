package io.writebehind.internal;

import org.hibernate.SessionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.service.Service;
import org.hibernate.service.spi.SessionFactoryServiceContributor;
import org.hibernate.service.spi.SessionFactoryServiceRegistryBuilder;

/**
 * Where the {@link WriteBehindRuntime} of one {@code SessionFactory} is kept: a service of that factory's own service
 * registry (contributed to every factory by {@link Contributor}, listed in {@code META-INF/services}), so the runtime
 * goes away with its factory and no static map holds a closed factory.
 */
public final class RuntimeRegistry implements Service {

	/** Set by the integrator's observer when the factory has been built, cleared when it closes; read by any thread. */
	private volatile WriteBehindRuntime runtime;

	/** The runtime of a factory (Hibernate's own, or a proxy that unwraps to it), or {@code null} when none runs. */
	public static WriteBehindRuntime runtimeOf(SessionFactory factory) {
		RuntimeRegistry registry = of( factory );
		return registry == null ? null : registry.runtime;
	}

	/** The registry of a factory, or {@code null} when it has none (closed, or the contributor was not found). */
	public static RuntimeRegistry of(SessionFactory factory) {
		if ( factory == null ) {
			return null;
		}
		try {
			SessionFactoryImplementor hibernate = factory instanceof SessionFactoryImplementor own ? own
					: factory.unwrap( SessionFactoryImplementor.class );
			return hibernate.getServiceRegistry().getService( RuntimeRegistry.class );
		}
		catch (RuntimeException closedOrUnknown) {
			// the factory's registry is destroyed when it has closed, and knows no such service without the contributor
			return null;
		}
	}

	public void register(WriteBehindRuntime runtime) {
		this.runtime = runtime;
	}

	public void unregister(WriteBehindRuntime runtime) {
		if ( this.runtime == runtime ) {
			this.runtime = null;
		}
	}

	/** Adds an empty {@link RuntimeRegistry} to each factory's service registry. */
	public static final class Contributor implements SessionFactoryServiceContributor {
		@Override
		public void contribute(SessionFactoryServiceRegistryBuilder builder) {
			builder.addService( RuntimeRegistry.class, new RuntimeRegistry() );
		}
	}
}
