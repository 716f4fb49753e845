package io.writebehind.testing;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A command line that runs a main class of the tests in a new JVM, on this JVM's class path and with its
 * {@code writebehind.test.*} system properties (the database the suite runs on), started in the working directory.
 */
public final class ChildJvm {

	private ChildJvm() {
	}

	/**
	 * {@code java <jvmOptions> -cp <class path> -Dwritebehind.test.*=... <mainClass> <arguments>}; the child's output
	 * is its own affair ({@link #builder}).
	 */
	public static List<String> command(List<String> jvmOptions, Class<?> mainClass, Object... arguments) {
		List<String> command = new ArrayList<>();
		command.add( Path.of( System.getProperty( "java.home" ), "bin", "java" ).toString() );
		command.addAll( jvmOptions );
		command.add( "-cp" );
		command.add( System.getProperty( "java.class.path" ) );
		System.getProperties().stringPropertyNames().stream()
				.filter( name -> name.startsWith( "writebehind.test." ) || name.equals( "java.util.logging.config.file" ) )
				.forEach( name -> command.add( "-D" + name + "=" + System.getProperty( name ) ) );
		command.add( mainClass.getName() );
		for ( Object argument : arguments ) {
			command.add( String.valueOf( argument ) );
		}
		return command;
	}

	/** A process builder for {@link #command}, in this JVM's working directory. */
	public static ProcessBuilder builder(List<String> command) {
		return new ProcessBuilder( command ).directory( new File( System.getProperty( "user.dir" ) ) );
	}
}
