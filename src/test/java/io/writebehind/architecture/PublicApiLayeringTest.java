package io.writebehind.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Issue 15, point 1: the public API depends on nothing internal, and the Micrometer binder and the JMX interface read
 * only the public API (plus Hibernate's API and SPI and their own libraries). Checked on the compiled main classes:
 * an import, a fully qualified name or a reference in a signature that breaks a rule fails the test, naming it.
 */
class PublicApiLayeringTest {

	private static final JavaClasses MAIN = new ClassFileImporter()
			.withImportOption( ImportOption.Predefined.DO_NOT_INCLUDE_TESTS )
			.importPackages( "io.writebehind" );

	/** The package {@code io.writebehind} itself (annotation, handle, settings, stats, exceptions): the API. */
	static final ArchRule PUBLIC_API_DEPENDS_ON_NOTHING_INTERNAL = noClasses().that().resideInAPackage( "io.writebehind" )
			.should().dependOnClassesThat().resideInAnyPackage( "io.writebehind..internal..", "io.writebehind.hibernate.." )
			.because( "the public API must not change when the internals do (issue 15, point 1)" );

	static final ArchRule METRICS_AND_JMX_READ_THE_PUBLIC_API = classes().that()
			.resideInAnyPackage( "io.writebehind.metrics..", "io.writebehind.jmx.." )
			.should().onlyDependOnClassesThat().resideInAnyPackage(
					"io.writebehind", "io.writebehind.metrics..", "io.writebehind.jmx..",
					"java..", "javax.management..",
					"io.micrometer..",
					"jakarta.persistence..", "org.hibernate", "org.hibernate..spi.." )
			.because( "metrics and JMX read the public stats view, not internal objects (issue 15, point 1)" );

	@Test
	void thePublicApiDependsOnNothingInternal() {
		PUBLIC_API_DEPENDS_ON_NOTHING_INTERNAL.check( MAIN );
	}

	@Test
	void metricsAndJmxReadOnlyThePublicApi() {
		METRICS_AND_JMX_READ_THE_PUBLIC_API.check( MAIN );
	}
}
