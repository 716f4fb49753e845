package io.writebehind.core;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.hibernate.resource.beans.container.spi.BeanContainer;
import org.hibernate.resource.beans.container.spi.ContainedBean;
import org.hibernate.resource.beans.spi.BeanInstanceProducer;
import org.junit.jupiter.api.Test;

import io.writebehind.FailedWrite;
import io.writebehind.WriteBehindListener;
import io.writebehind.WriteBehindSettings;
import io.writebehind.WriteFailureHandler;
import io.writebehind.failures.Account;
import io.writebehind.testing.WriteBehindTestBase;

/**
 * Classes named in settings are resolved through Hibernate's ManagedBeanRegistry: with a bean container (what Spring
 * Boot or a CDI container installs as {@code hibernate.resource.beans.container}) they are the container's beans, asked
 * for as the container's own (not as new JPA-style instances); without one, or for a class the container does not
 * know, they are made with the public no-argument constructor.
 */
class BeanContainerTest extends WriteBehindTestBase {

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Account.class };
	}

	/** A handler with a dependency and no no-argument constructor: only a container can make it. */
	public static final class InjectedHandler implements WriteFailureHandler {
		final List<FailedWrite> sink;

		public InjectedHandler(List<FailedWrite> sink) {
			this.sink = sink;
		}

		@Override
		public void onFailure(FailedWrite write) {
			sink.add( write );
		}
	}

	/** A listener with a public no-argument constructor, which the container does not know. */
	public static final class PlainListener implements WriteBehindListener {
		static final List<Integer> BATCHES = new CopyOnWriteArrayList<>();

		@Override
		public void batchFlushed(String persistenceUnit, int writes, Duration duration) {
			BATCHES.add( writes );
		}
	}

	/** A bean container that knows one bean, and records how it was asked. */
	static final class OneBeanContainer implements BeanContainer {
		final Object bean;
		final List<String> asked = new CopyOnWriteArrayList<>();

		OneBeanContainer(Object bean) {
			this.bean = bean;
		}

		@Override
		public <B> ContainedBean<B> getBean(Class<B> beanType, LifecycleOptions options, BeanInstanceProducer fallback) {
			asked.add( beanType.getSimpleName() + ( options.useJpaCompliantCreation() ? " (jpa)" : " (container's)" ) );
			B instance = beanType.isInstance( bean ) ? beanType.cast( bean ) : fallback.produceBeanInstance( beanType );
			return new ContainedBean<>() {
				@Override
				public B getBeanInstance() {
					return instance;
				}

				@Override
				public Class<B> getBeanClass() {
					return beanType;
				}
			};
		}

		@Override
		public <B> ContainedBean<B> getBean(String name, Class<B> beanType, LifecycleOptions options,
				BeanInstanceProducer fallback) {
			return getBean( beanType, options, fallback );
		}

		@Override
		public void stop() {
		}
	}

	@Test
	void theContainersBeanWhenThereIsOneElseTheNoArgumentConstructor() {
		List<FailedWrite> sink = new CopyOnWriteArrayList<>();
		OneBeanContainer container = new OneBeanContainer( new InjectedHandler( sink ) );
		PlainListener.BATCHES.clear();
		emf.close();
		emf = buildFactory( connections, Map.of( "hibernate.resource.beans.container", container,
				WriteBehindSettings.FAILURE_HANDLER, InjectedHandler.class.getName(),
				WriteBehindSettings.LISTENERS, PlainListener.class.getName(), "hibernate.hbm2ddl.auto", "update" ) );
		assertTrue( container.asked.contains( "InjectedHandler (container's)" ), container.asked.toString() );
		assertTrue( container.asked.contains( "PlainListener (container's)" ), container.asked.toString() );

		inTransaction( em -> em.persist( new Account( 1L, "way too long", 1 ) ) ); // the column holds 8 characters
		inTransaction( em -> em.persist( new Account( 2L, "fine", 1 ) ) );
		writeBehind().flush();
		assertEquals( 1, sink.size(), "the container's handler, with its dependency, received the failure" );
		assertEquals( 1L, sink.get( 0 ).id() );
		assertEquals( 1, PlainListener.BATCHES.stream().mapToInt( Integer::intValue ).sum(),
				"the listener the container does not know was made with its no-argument constructor" );
	}

	@Test
	void withoutAContainerAClassWithoutNoArgumentConstructorFailsTheBootNamingTheSetting() {
		RuntimeException failure = assertThrows( RuntimeException.class, () -> buildFactory( connections,
				Map.of( WriteBehindSettings.FAILURE_HANDLER, InjectedHandler.class.getName() ) ) );
		StringBuilder all = new StringBuilder();
		for ( Throwable t = failure; t != null; t = t.getCause() ) {
			all.append( t.getMessage() ).append( " | " );
		}
		String messages = all.toString();
		assertTrue( messages.contains( "hibernate.writebehind.failure_handler was '" + InjectedHandler.class.getName()
				+ "', which could not be created" ), messages );
		assertTrue( messages.contains( "no public no-argument constructor" ), messages );
	}
}
