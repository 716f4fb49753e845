package io.writebehind.integration;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.Map;

import org.hibernate.SessionFactory;
import org.hibernate.boot.registry.BootstrapServiceRegistry;
import org.hibernate.boot.registry.BootstrapServiceRegistryBuilder;
import org.hibernate.boot.registry.classloading.internal.ClassLoaderServiceImpl;
import org.hibernate.cfg.Configuration;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindSettings;
import io.writebehind.hibernate.WriteBehindIntegrator;
import io.writebehind.metrics.WriteBehindMetrics;
import io.writebehind.model.Counter;
import io.writebehind.model.Note;
import io.writebehind.testing.SpringJpa;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.EntityManagerFactory;

/**
 * Issue 13 point 2: every public entry point that takes a factory ({@link WriteBehind#of}, the Micrometer binder)
 * works on a factory that proxies Hibernate's, as Spring's does (it implements {@code SessionFactory}, so
 * {@code unwrap(SessionFactory.class)} returns the proxy itself), and when write-behind is not active the error says
 * which of the reasons applies.
 */
class FactoryLookupTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Counter.class, Note.class };
	}

	/** A proxy like Spring's: {@code EntityManagerFactory} and {@code SessionFactory}, unwrapping those to itself. */
	private static SessionFactory springLikeProxy(EntityManagerFactory target) {
		return (SessionFactory) Proxy.newProxyInstance( FactoryLookupTest.class.getClassLoader(),
				new Class<?>[] { EntityManagerFactory.class, SessionFactory.class }, (proxy, method, args) -> {
					if ( method.getName().equals( "unwrap" ) && args != null && args.length == 1
							&& ( (Class<?>) args[0] ).isInstance( proxy ) ) {
						return proxy;
					}
					try {
						return method.invoke( target, args );
					}
					catch (InvocationTargetException e) {
						throw e.getCause();
					}
				} );
	}

	@Test
	void aProxyThatImplementsSessionFactoryItselfIsUnwrappedToHibernatesFactory() {
		SessionFactory proxy = springLikeProxy( emf );
		assertSame( proxy, proxy.unwrap( SessionFactory.class ), "the proxy behaves like Spring's" );
		inTransaction( proxy, em -> em.persist( new Counter( 1L, "proxied", 1 ) ) );
		assertEquals( 1, WriteBehind.of( (EntityManagerFactory) proxy ).stats().pending() );
		WriteBehind.of( proxy ).flush();
		assertEquals( 1, count( "select count(*) from wb_counter where id = 1" ) );

		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		WriteBehindMetrics.monitor( registry, proxy );
		new WriteBehindMetrics( proxy, null ).bindTo( new SimpleMeterRegistry() );
		assertEquals( 1.0, registry.get( "writebehind.flushed" ).tag( "entity", Counter.class.getName() )
				.functionCounter().count() );
	}

	@Test
	void springsEntityManagerFactoryBeanWorksWithEveryEntryPoint() {
		try ( SpringJpa spring = new SpringJpa( "spring-lookup", defaultProperties( connections ), Counter.class ) ) {
			EntityManagerFactory factory = spring.factory();
			assertFalse( factory instanceof SessionFactoryImplementor, "Spring hands out its proxy" );
			assertSame( factory, factory.unwrap( SessionFactory.class ), "Spring's proxy unwraps SessionFactory to itself" );
			spring.transactions().executeWithoutResult( status -> {
				var em = org.springframework.orm.jpa.EntityManagerFactoryUtils.getTransactionalEntityManager( factory );
				em.persist( new Counter( 2L, "spring", 2 ) );
			} );
			WriteBehind writeBehind = WriteBehind.of( factory );
			assertEquals( 1, writeBehind.stats().pending() );
			writeBehind.flush();
			WriteBehind.of( (SessionFactory) factory ).flush();
			assertEquals( 1, count( "select count(*) from wb_counter where id = 2" ) );
			SimpleMeterRegistry registry = new SimpleMeterRegistry();
			WriteBehindMetrics.monitor( registry, factory, "app", "spring" );
			assertEquals( 1.0, registry.get( "writebehind.flushed" ).tag( "app", "spring" ).functionCounter().count() );
		}
	}

	@Test
	void aClosedFactorySaysItIsClosed() {
		SessionFactory proxy = springLikeProxy( emf );
		emf.close();
		assertInactive( emf, "because the factory is closed" );
		assertInactive( proxy, "because the factory is closed" );
	}

	@Test
	void aFactoryWithoutOptedInEntitySaysSo() {
		Configuration configuration = new Configuration();
		configuration.addAnnotatedClass( Note.class );
		defaultProperties( connections ).forEach( configuration.getProperties()::put );
		try ( SessionFactory factory = configuration.buildSessionFactory() ) {
			assertInactive( factory, "because none of its 1 entities is annotated @WriteBehindEntity ("
					+ Note.class.getName() + ")" );
			assertInactive( springLikeProxy( factory ), "because none of its 1 entities is annotated" );
		}
	}

	@Test
	void aDisabledFactorySaysWhichSettingDisablesIt() {
		try ( EntityManagerFactory disabled = buildFactory( connections, Map.of( WriteBehindSettings.ENABLED, "false" ) ) ) {
			assertInactive( disabled, "because hibernate.writebehind.enabled=false" );
		}
	}

	@Test
	void aFactoryBuiltWithoutTheIntegratorSaysHowToInstallIt() {
		// a class loader service that does not see write-behind's META-INF/services entry (as in a badly shaded jar)
		ClassLoaderServiceImpl hiding = new ClassLoaderServiceImpl() {
			@Override
			public <S> Collection<S> loadJavaServices(Class<S> serviceContract) {
				return super.loadJavaServices( serviceContract ).stream()
						.filter( service -> !( service instanceof WriteBehindIntegrator ) ).toList();
			}
		};
		BootstrapServiceRegistry bootstrap = new BootstrapServiceRegistryBuilder().applyClassLoaderService( hiding ).build();
		Configuration configuration = new Configuration( bootstrap );
		configuration.addAnnotatedClass( Counter.class );
		Map<String, Object> properties = defaultProperties( connections );
		properties.remove( "hibernate.integrator_provider" );
		properties.forEach( configuration.getProperties()::put );
		try ( SessionFactory factory = configuration.buildSessionFactory() ) {
			assertInactive( factory, "write-behind's integrator was not installed into this factory. Set "
					+ "hibernate.integrator_provider=io.writebehind.hibernate.WriteBehindIntegratorProvider" );
		}
	}

	@Test
	void aFactoryOfAnotherProviderIsNamed() {
		EntityManagerFactory foreign = (EntityManagerFactory) Proxy.newProxyInstance( getClass().getClassLoader(),
				new Class<?>[] { EntityManagerFactory.class }, (proxy, method, args) -> switch ( method.getName() ) {
					case "unwrap" -> throw new jakarta.persistence.PersistenceException( "cannot unwrap" );
					case "isOpen" -> true;
					default -> throw new UnsupportedOperationException( method.getName() );
				} );
		assertInactive( foreign, "Write-behind needs a Hibernate EntityManagerFactory" );
	}

	private static void assertInactive(EntityManagerFactory factory, String expected) {
		IllegalArgumentException failure = assertThrows( IllegalArgumentException.class, () -> WriteBehind.of( factory ) );
		assertTrue( failure.getMessage().contains( expected ), failure.getMessage() );
		IllegalArgumentException binder = assertThrows( IllegalArgumentException.class,
				() -> new WriteBehindMetrics( factory, null ) );
		assertEquals( failure.getMessage(), binder.getMessage() );
		if ( factory instanceof SessionFactory sessionFactory ) {
			assertEquals( failure.getMessage(),
					assertThrows( IllegalArgumentException.class, () -> WriteBehind.of( sessionFactory ) ).getMessage() );
		}
	}
}
