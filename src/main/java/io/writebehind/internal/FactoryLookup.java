package io.writebehind.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.hibernate.SessionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindEntity;
import io.writebehind.WriteBehindSettings;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;

/**
 * Finds the runtime of a factory handed to a public entry point ({@code WriteBehind.of}, the Micrometer binder): the
 * factory may be a proxy or wrapper of Hibernate's (Spring's {@code EntityManagerFactory} bean implements
 * {@code SessionFactory} itself, so {@code unwrap(SessionFactory.class)} returns the proxy), so it is unwrapped to
 * Hibernate's own {@link SessionFactoryImplementor}. When write-behind is not active there, the error says why.
 */
public final class FactoryLookup implements WriteBehind.Locator {

	/** For {@link java.util.ServiceLoader} ({@code META-INF/services/io.writebehind.WriteBehind$Locator}). */
	public FactoryLookup() {
	}

	@Override
	public WriteBehind find(EntityManagerFactory entityManagerFactory) {
		return require( entityManagerFactory ).handle();
	}

	/** The runtime of an {@code EntityManagerFactory} (Hibernate's, or one that wraps or proxies it). */
	public static WriteBehindRuntime require(EntityManagerFactory entityManagerFactory) {
		Objects.requireNonNull( entityManagerFactory, "entityManagerFactory" );
		if ( entityManagerFactory instanceof SessionFactoryImplementor hibernate ) {
			return require( hibernate );
		}
		SessionFactoryImplementor hibernate;
		try {
			hibernate = entityManagerFactory.unwrap( SessionFactoryImplementor.class );
		}
		catch (PersistenceException | IllegalStateException | IllegalArgumentException e) {
			if ( !isOpen( entityManagerFactory ) ) {
				throw closed( entityManagerFactory );
			}
			throw new IllegalArgumentException( "Write-behind needs a Hibernate EntityManagerFactory, but "
					+ entityManagerFactory.getClass().getName() + " does not unwrap to Hibernate's "
					+ SessionFactoryImplementor.class.getName() + " (" + e.getMessage() + "): use Hibernate ORM "
					+ "(org.hibernate.orm:hibernate-core) as the JPA provider", e );
		}
		if ( hibernate == null ) {
			throw new IllegalArgumentException( entityManagerFactory.getClass().getName() + ".unwrap("
					+ SessionFactoryImplementor.class.getSimpleName() + ") returned null: not a Hibernate factory" );
		}
		return require( hibernate );
	}

	/** The runtime of a Hibernate {@code SessionFactory} (Hibernate's, or one that wraps or proxies it). */
	public static WriteBehindRuntime require(SessionFactory sessionFactory) {
		Objects.requireNonNull( sessionFactory, "sessionFactory" );
		return require( (EntityManagerFactory) sessionFactory );
	}

	private static WriteBehindRuntime require(SessionFactoryImplementor factory) {
		WriteBehindRuntime runtime = RuntimeRegistry.runtimeOf( factory );
		if ( runtime != null && !runtime.isClosed() ) {
			return runtime;
		}
		throw new IllegalArgumentException( whyInactive( factory ) );
	}

	/** Which of the reasons applies: closed, no opted-in entity, disabled, or the integrator never ran. */
	private static String whyInactive(SessionFactoryImplementor factory) {
		String name = "Write-behind is not active on the EntityManagerFactory "
				+ ( factory.getName() == null ? "" : "'" + factory.getName() + "' " );
		if ( !factory.isOpen() ) {
			return name + "because the factory is closed (write-behind stopped with it, after writing its pending "
					+ "writes): get the WriteBehind handle while the factory is open";
		}
		List<String> optedIn = new ArrayList<>();
		List<String> all = new ArrayList<>();
		factory.getMappingMetamodel().forEachEntityDescriptor( persister -> {
			Class<?> mapped = persister.getMappedClass();
			all.add( persister.getEntityName() );
			if ( mapped != null && mapped.isAnnotationPresent( WriteBehindEntity.class ) ) {
				optedIn.add( persister.getEntityName() );
			}
		} );
		if ( optedIn.isEmpty() ) {
			return name + "because none of its " + all.size() + " entities is annotated @"
					+ WriteBehindEntity.class.getSimpleName() + ( all.isEmpty() ? "" : " (" + String.join( ", ", all ) + ")" )
					+ ": annotate the entities whose writes should be written behind with @"
					+ WriteBehindEntity.class.getName();
		}
		Object enabled = factory.getProperties().get( WriteBehindSettings.ENABLED );
		if ( enabled != null && "false".equals( enabled.toString().trim().toLowerCase( Locale.ROOT ) ) ) {
			return name + "because " + WriteBehindSettings.ENABLED + "=false: its @WriteBehindEntity entities "
					+ optedIn + " are written synchronously. Remove the setting (or set it to true) to turn "
					+ "write-behind on";
		}
		return name + "although it maps @WriteBehindEntity entities " + optedIn + ": write-behind's integrator was not "
				+ "installed into this factory. Set hibernate.integrator_provider="
				+ "io.writebehind.hibernate.WriteBehindIntegratorProvider, or keep META-INF/services/"
				+ "org.hibernate.integrator.spi.Integrator of hibernate-write-behind visible to the class loader that "
				+ "builds the factory (a shaded or repackaged jar may drop it)";
	}

	private static boolean isOpen(EntityManagerFactory factory) {
		try {
			return factory.isOpen();
		}
		catch (RuntimeException e) {
			return false;
		}
	}

	private static IllegalArgumentException closed(EntityManagerFactory factory) {
		return new IllegalArgumentException( "Write-behind is not active on the EntityManagerFactory "
				+ factory.getClass().getName() + " because the factory is closed (write-behind stopped with it, after "
				+ "writing its pending writes): get the WriteBehind handle while the factory is open" );
	}
}
