package io.writebehind.spring;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestExecutionListener;

/**
 * Lets a {@code @SpringBootTest} close its application context the TestContext framework's way (it leaves the context
 * cache, then closes): for a test of what closing does, and for a test that drops its schema after its context. A
 * context closed by hand through {@code ConfigurableApplicationContext.close()} stays in the cache, and Spring Framework
 * 7 then fails to restart it after the class. Register with
 * {@code @TestExecutionListeners(listeners = ClosesContext.class, mergeMode = MERGE_WITH_DEFAULTS)}.
 */
public final class ClosesContext implements TestExecutionListener {

	private static final Map<Class<?>, TestContext> CONTEXTS = new ConcurrentHashMap<>();

	/** Closes the application context of the test class (a no-op once closed). */
	public static void close(Class<?> testClass) {
		TestContext testContext = CONTEXTS.get( testClass );
		if ( testContext == null ) {
			throw new IllegalStateException( testClass.getName() + " is not a Spring test with the ClosesContext listener" );
		}
		if ( testContext.hasApplicationContext() ) {
			testContext.markApplicationContextDirty( null );
		}
	}

	@Override
	public void beforeTestClass(TestContext testContext) {
		CONTEXTS.put( testContext.getTestClass(), testContext );
	}

	@Override
	public void afterTestClass(TestContext testContext) {
		CONTEXTS.remove( testContext.getTestClass() );
	}
}
