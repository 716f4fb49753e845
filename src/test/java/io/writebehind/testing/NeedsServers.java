package io.writebehind.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;

/**
 * A test class or method that needs more than Java and Maven: PostgreSQL or Redis on localhost (the cluster's
 * coherence channels and leases, whatever database the suite runs on), a {@code redis-server} or PostgreSQL
 * installation to start servers of its own (the tests that stop or freeze a server), or Linux network namespaces
 * (root, {@code ip netns}).
 * <p>
 * The README's {@code mvn verify} (embedded H2, nothing installed but Java 17 and Maven) leaves these out
 * (JUnit tag {@value #TAG}, excluded through the {@code writebehind.test.excludedGroups} property); the PostgreSQL and
 * MariaDB runs ({@code -Ppostgresql}, {@code -Pmariadb}, which need a server anyway) and {@code -Pservers} (on H2) run
 * them, and {@code .ci/run} starts the servers they need. Not a skip: in those runs they must pass.
 */
@Inherited
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Tag(NeedsServers.TAG)
public @interface NeedsServers {

	String TAG = "servers";
}
