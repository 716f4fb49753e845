package io.writebehind.hibernate;

import java.util.List;

import org.hibernate.integrator.spi.Integrator;
import org.hibernate.jpa.boot.spi.IntegratorProvider;

/**
 * Registers write-behind in a JPA persistence unit:
 *
 * <pre>{@code
 * <property name="hibernate.integrator_provider"
 *           value="io.writebehind.hibernate.WriteBehindIntegratorProvider"/>
 * }</pre>
 *
 * The integrator is also listed in {@code META-INF/services}, so a plain Hibernate bootstrap finds it; with both, it is
 * installed once.
 */
public class WriteBehindIntegratorProvider implements IntegratorProvider {

	@Override
	public List<Integrator> getIntegrators() {
		return List.of( new WriteBehindIntegrator() );
	}
}
