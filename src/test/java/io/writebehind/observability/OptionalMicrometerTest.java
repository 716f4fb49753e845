package io.writebehind.observability;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehind;

/**
 * Issue 8: Micrometer is an optional dependency. No class of the library but those of {@code io.writebehind.metrics}
 * refers to a Micrometer class, so an application without Micrometer on its class path never loads one (the JVM
 * resolves a class's references only when they are used).
 */
class OptionalMicrometerTest {

	@Test
	void onlyTheMetricsPackageRefersToMicrometer() throws Exception {
		Path classes = Path.of( WriteBehind.class.getProtectionDomain().getCodeSource().getLocation().toURI() );
		List<Path> referring;
		try ( Stream<Path> files = Files.walk( classes ) ) {
			referring = files.filter( p -> p.toString().endsWith( ".class" ) ).filter( OptionalMicrometerTest::refersToMicrometer )
					.map( classes::relativize ).toList();
		}
		assertFalse( referring.isEmpty(), "the metrics binder is expected to refer to Micrometer" );
		// the Spring Boot auto-configuration of the meters, loaded only when Micrometer is present: Boot reads its
		// @ConditionalOnClass(MeterBinder.class) without loading the class (WriteBehindAutoConfigurationTest checks it)
		List<Path> guarded = List.of( Path.of( "io", "writebehind", "spring", "WriteBehindMetricsAutoConfiguration.class" ),
				Path.of( "io", "writebehind", "spring", "WriteBehindMeterBinder.class" ) );
		for ( Path p : referring ) {
			assertTrue( p.startsWith( Path.of( "io", "writebehind", "metrics" ) ) || guarded.contains( p ),
					p + " refers to Micrometer" );
		}
	}

	private static boolean refersToMicrometer(Path classFile) {
		try {
			// class names in the constant pool are stored in (modified) UTF-8, which ISO-8859-1 reads byte by byte
			return new String( Files.readAllBytes( classFile ), StandardCharsets.ISO_8859_1 ).contains( "io/micrometer/" );
		}
		catch (IOException e) {
			throw new IllegalStateException( e );
		}
	}
}
