package io.writebehind.examples.benchmark;

import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.cache.spi.access.NaturalIdDataAccess;
import org.hibernate.mapping.PersistentClass;
import org.hibernate.metamodel.spi.RuntimeModelCreationContext;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.persister.entity.SingleTableEntityPersister;
import org.hibernate.persister.entity.mutation.UpdateCoordinator;
import org.hibernate.persister.entity.mutation.UpdateCoordinatorNoOp;
import org.hibernate.persister.internal.StandardPersisterClassResolver;
import org.hibernate.persister.spi.PersisterClassResolver;
import org.hibernate.service.spi.ServiceContributor;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;

/**
 * The persister of {@link CachedItem}: Hibernate's own single-table persister whose update coordinator is Hibernate's
 * no-op one, so that a dirty entity goes through everything plain Hibernate does at flush and commit (dirty checking,
 * the update action, the version increment, the second-level cache update after completion) but no UPDATE statement.
 * That is the floor of scenario 10: what Hibernate itself costs for "find a cached entity, change it, commit".
 */
public class NoUpdatePersister extends SingleTableEntityPersister {

	private final UpdateCoordinator noUpdates = new UpdateCoordinatorNoOp( this );

	public NoUpdatePersister(PersistentClass persistentClass, EntityDataAccess cacheAccessStrategy,
			NaturalIdDataAccess naturalIdRegionAccessStrategy, RuntimeModelCreationContext creationContext) {
		super( persistentClass, cacheAccessStrategy, naturalIdRegionAccessStrategy, creationContext );
	}

	@Override
	public UpdateCoordinator getUpdateCoordinator() {
		return noUpdates;
	}

	/** Chooses {@link NoUpdatePersister} for {@link CachedItem}, Hibernate's standard persisters for the rest. */
	public static final class Resolver extends StandardPersisterClassResolver {
		@Override
		public Class<? extends EntityPersister> getEntityPersisterClass(PersistentClass metadata) {
			return CachedItem.class.getName().equals( metadata.getClassName() )
					? NoUpdatePersister.class
					: super.getEntityPersisterClass( metadata );
		}
	}

	/** Installs {@link Resolver} in every factory of the benchmark's JVM (META-INF/services). */
	public static final class Contributor implements ServiceContributor {
		@Override
		public void contribute(StandardServiceRegistryBuilder serviceRegistryBuilder) {
			serviceRegistryBuilder.addService( PersisterClassResolver.class, new Resolver() );
		}
	}
}
