package io.writebehind.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The direction of the dependencies between the core and its features (issue 15, point 1), checked on the compiled
 * main classes: the core (write queue, read cache, flusher) knows nothing of its features, of the Hibernate glue or
 * of the runtime that assembles them; the features know the core but not the glue, and not each other. A rule fails
 * on any reference (an import, an inline fully qualified name, a field or parameter type, a method call), naming
 * the classes and the line.
 */
class LayeringTest {

	/** The core: it offers the extension points (commit participants, flush observers, write guards, row checks). */
	private static final String[] CORE = {
			"io.writebehind.internal.queue..", "io.writebehind.internal.cache..", "io.writebehind.internal.flush.." };

	private static final String JOURNAL = "io.writebehind.internal.journal..";
	private static final String CLUSTER = "io.writebehind.cluster..";
	private static final String[] FEATURES = { JOURNAL, CLUSTER, "io.writebehind.metrics..", "io.writebehind.jmx..",
			"io.writebehind.spring.." };
	private static final String GLUE = "io.writebehind.hibernate..";
	/** The runtime's own package (not its subpackages): {@code WriteBehindRuntime} and what assembles the unit. */
	private static final String RUNTIME = "io.writebehind.internal";
	/**
	 * The leaf every layer may use: the message logger (every log line goes through it), the cause-chain helpers and
	 * the reader of setting values.
	 * It uses nothing of write-behind but the public API.
	 */
	private static final String COMMON = "io.writebehind.internal.common..";

	private static JavaClasses classes;

	@BeforeAll
	static void importMainClasses() {
		classes = new ClassFileImporter().withImportOption( ImportOption.Predefined.DO_NOT_INCLUDE_TESTS )
				.importPackages( "io.writebehind" );
	}

	@Test
	void theCoreDependsOnNoFeature() {
		check( noClasses().that().resideInAnyPackage( CORE ).should().dependOnClassesThat()
				.resideInAnyPackage( FEATURES )
				.because( "features plug into the core's extension points, the core never calls them" ) );
	}

	@Test
	void theCoreDependsNotOnTheHibernateGlue() {
		check( noClasses().that().resideInAnyPackage( CORE ).should().dependOnClassesThat()
				.resideInAnyPackage( GLUE )
				.because( "the listeners and the transaction buffer call the core, not the other way" ) );
	}

	@Test
	void theCoreDependsNotOnTheRuntimePackage() {
		check( noClasses().that().resideInAnyPackage( CORE ).should().dependOnClassesThat()
				.resideInAPackage( RUNTIME )
				.because( "the runtime assembles the core and its features; the core is handed what it needs" ) );
	}

	@Test
	void theCommonLeafDependsOnNothingOfWriteBehindButThePublicApi() {
		check( noClasses().that().resideInAPackage( COMMON ).should().dependOnClassesThat(
				resideInAPackage( "io.writebehind.." ).and( not( resideInAPackage( COMMON ) ) )
						.and( not( resideInAPackage( "io.writebehind" ) ) ) )
				.because( "every layer uses the message logger and the cause helpers, so they may use no layer" ) );
	}

	@Test
	void featuresDependNotOnTheHibernateGlue() {
		check( noClasses().that().resideInAnyPackage( FEATURES ).should().dependOnClassesThat()
				.resideInAnyPackage( GLUE )
				.because( "features reach Hibernate through the core's extension points or Hibernate's own SPI" ) );
	}

	@Test
	void theJournalDependsNotOnTheCluster() {
		check( noClasses().that().resideInAPackage( JOURNAL ).should().dependOnClassesThat()
				.resideInAPackage( CLUSTER ).because( "the journal and the cluster are independent features" ) );
	}

	@Test
	void theClusterDependsNotOnTheJournal() {
		check( noClasses().that().resideInAPackage( CLUSTER ).should().dependOnClassesThat()
				.resideInAPackage( JOURNAL ).because( "the journal and the cluster are independent features" ) );
	}

	private static void check(ArchRule rule) {
		rule.check( classes );
	}
}
