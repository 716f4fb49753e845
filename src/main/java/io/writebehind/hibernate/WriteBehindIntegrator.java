package io.writebehind.hibernate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hibernate.SessionFactory;
import org.hibernate.SessionFactoryObserver;
import org.hibernate.boot.Metadata;
import org.hibernate.boot.spi.BootstrapContext;
import org.hibernate.cfg.JdbcSettings;
import org.hibernate.event.spi.LoadEventListener;
import org.hibernate.engine.config.spi.ConfigurationService;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.event.service.spi.DuplicationStrategy;
import org.hibernate.event.service.spi.EventListenerRegistry;
import org.hibernate.event.spi.EventType;
import org.hibernate.integrator.spi.Integrator;
import org.hibernate.mapping.PersistentClass;
import org.hibernate.mapping.Property;
import org.hibernate.mapping.ToOne;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.service.spi.SessionFactoryServiceRegistry;
import org.hibernate.resource.transaction.spi.TransactionCoordinatorBuilder;

import io.writebehind.internal.orm.DatasourceLoadListener;
import io.writebehind.internal.orm.HibernateInternals;
import io.writebehind.ConflictPolicy;
import io.writebehind.ConflictResolver;
import io.writebehind.QueryConsistency;
import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindEntity;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.common.WriteBehindLogger;
import io.writebehind.internal.WriteBehindRuntime;
import io.writebehind.internal.WriteBehindRuntime.RegionSpec;
import io.writebehind.internal.config.WriteBehindConfig;

/**
 * Installs write-behind into a {@code SessionFactory}: finds the {@link WriteBehindEntity} entities, validates the
 * settings and mappings, registers the event listeners, and starts and stops the runtime with the factory. Listed in
 * {@code META-INF/services/org.hibernate.integrator.spi.Integrator} and returned by
 * {@link WriteBehindIntegratorProvider}; instances are equal, so Hibernate installs it once when both are active.
 */
public class WriteBehindIntegrator implements Integrator {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( WriteBehindIntegrator.class );

	@Override
	public void integrate(Metadata metadata, BootstrapContext bootstrapContext, SessionFactoryImplementor sessionFactory) {
		Map<String, Object> settings = sessionFactory.getServiceRegistry().requireService( ConfigurationService.class ).getSettings();
		var classLoaderService = sessionFactory.getServiceRegistry().requireService(
				org.hibernate.boot.registry.classloading.spi.ClassLoaderService.class );
		var beans = sessionFactory.getServiceRegistry().requireService(
				org.hibernate.resource.beans.spi.ManagedBeanRegistry.class );
		WriteBehindConfig config = WriteBehindConfig.from( settings, classLoaderService::classForName,
				type -> ContainerBeans.instance( beans, type ) );
		String unitName = unitName( settings, sessionFactory );
		if ( config.deprecatedBatchSize != null ) {
			warnDeprecatedBatchSize( "[write-behind " + unitName + "] ", config );
		}
		List<PersistentClass> optedIn = new ArrayList<>();
		for ( PersistentClass binding : metadata.getEntityBindings() ) {
			Class<?> mapped = binding.getMappedClass();
			if ( mapped != null && mapped.isAnnotationPresent( WriteBehindEntity.class ) ) {
				optedIn.add( binding );
			}
		}
		if ( optedIn.isEmpty() ) {
			return;
		}
		if ( !config.enabled ) {
			LOG.disabled( "[write-behind " + unitName + "] ", optedIn.size() );
			return;
		}
		List<RegionDraft> drafts = regionsInForeignKeyOrder( metadata, optedIn, config );

		WriteBehindInstallation installation = new WriteBehindInstallation();
		WriteCaptureListener capture = new WriteCaptureListener( installation );
		installation.capture( capture );
		EventListenerRegistry registry = sessionFactory.getServiceRegistry().requireService( EventListenerRegistry.class );
		registry.appendListeners( EventType.PRE_INSERT, capture );
		registry.appendListeners( EventType.PRE_UPDATE, capture );
		registry.appendListeners( EventType.PRE_DELETE, capture );
		registry.appendListeners( EventType.POST_INSERT, capture );
		registry.prependListeners( EventType.DELETE, new CacheReadListeners.InitializeProxyBeforeDelete( installation ) );
		registry.prependListeners( EventType.REFRESH, new CacheReadListeners.FlushBeforeRefresh( installation ) );
		registry.prependListeners( EventType.INIT_COLLECTION, new CacheReadListeners.FlushBeforeCollectionLoad( installation ) );
		registry.prependListeners( EventType.AUTO_FLUSH, new QueryConsistencyListener( installation ) );
		registry.appendListeners( EventType.AUTO_FLUSH, new QueryConsistencyListener.OwnWrites( installation ) );
		var loadGroup = registry.getEventListenerGroup( EventType.LOAD );
		loadGroup.addDuplicationStrategy( new ReplaceDefaultLoadListener() );
		loadGroup.appendListener( new DatasourceLoadListener( new CacheReadListeners.Load( installation ) ) );

		sessionFactory.addObserver( new SessionFactoryObserver() {
			@Override
			public void sessionFactoryCreated(SessionFactory factory) {
				start( (SessionFactoryImplementor) factory, unitName, config, drafts, installation, settings );
			}

			@Override
			public void sessionFactoryClosing(SessionFactory factory) {
				WriteBehindRuntime runtime = installation.runtime();
				if ( runtime != null ) {
					runtime.close();
				}
			}
		} );
	}

	@SuppressWarnings("deprecation")
	private static void warnDeprecatedBatchSize(String prefix, WriteBehindConfig config) {
		LOG.deprecatedBatchSize( prefix, WriteBehindSettings.BATCH_SIZE, config.deprecatedBatchSize,
				WriteBehindSettings.FLUSH_THRESHOLD, config.flushThreshold, WriteBehindSettings.FLUSH_TRANSACTION_SIZE,
				config.flushTransactionSize, WriteBehindSettings.JDBC_BATCH_SIZE, config.jdbcBatchSize,
				WriteBehindSettings.DEFAULT_FLUSH_THRESHOLD, WriteBehindSettings.DEFAULT_FLUSH_TRANSACTION_SIZE,
				WriteBehindSettings.DEFAULT_JDBC_BATCH_SIZE );
	}

	private static void start(SessionFactoryImplementor factory, String unitName, WriteBehindConfig config,
			List<RegionDraft> drafts, WriteBehindInstallation installation, Map<String, Object> settings) {
		MappingValidator validator = new MappingValidator( factory );
		List<RegionSpec> specs = new ArrayList<>();
		int unversioned = 0;
		List<String> insertedAtCommit = new ArrayList<>();
		for ( RegionDraft draft : drafts ) {
			EntityPersister root = factory.getMappingMetamodel().getEntityDescriptor( draft.rootEntityName );
			if ( IdentityInserts.insertsAtCommit( root ) ) {
				insertedAtCommit.add( draft.rootEntityName );
			}
			for ( String name : draft.entityNames ) {
				validator.validate( factory.getMappingMetamodel().getEntityDescriptor( name ) );
			}
			boolean versioned = root.isVersioned();
			Comparator<Object> comparator = null;
			if ( versioned ) {
				@SuppressWarnings("unchecked")
				Comparator<Object> versionComparator =
						(Comparator<Object>) root.getVersionMapping().getJavaType().getComparator();
				comparator = versionComparator;
			}
			else {
				unversioned++;
				LOG.unversioned( "[write-behind " + unitName + "] ", draft.rootEntityName );
			}
			List<String> tables = new ArrayList<>();
			for ( String name : draft.entityNames ) {
				for ( String space : (String[]) factory.getMappingMetamodel().getEntityDescriptor( name ).getQuerySpaces() ) {
					if ( !tables.contains( space ) ) {
						tables.add( space );
					}
				}
			}
			specs.add( new RegionSpec( draft.rootEntityName, draft.entityNames, draft.maxDelayMs, versioned, comparator,
					draft.conflictPolicy, draft.conflictResolver, draft.queryConsistency == QueryConsistency.FLUSH, tables ) );
		}
		validator.throwIfInvalid();
		// one connection borrowed at boot: its autocommit mode, URL and isolation level
		BootConnection connection = BootConnection.read( factory, settings );
		String prefix = "[write-behind " + unitName + "] ";
		connection.checkAutocommit( settings, prefix );
		connection.checkShutdownDrain( config, prefix );
		WriteBehindRuntime runtime = new WriteBehindRuntime( factory, unitName, config, specs );
		runtime.checkpointAtExit( connection.isEmbeddedH2File() );
		if ( readsFromSnapshots( factory, connection, settings, unitName ) ) {
			runtime.regions().forEach( region -> region.snapshotReads( true ) );
		}
		installation.runtime( runtime );
		runtime.start();
		Collections.sort( insertedAtCommit );
		LOG.active( runtime.logPrefix(), runtime.describe(), unversioned,
				insertedAtCommit.isEmpty() ? "none" : insertedAtCommit, config );
		if ( !( factory.getJdbcServices().getJdbcSelectExecutor() instanceof QueriesOutsideTransactions )
				|| !( factory.getJdbcServices().getJdbcMutationExecutor() instanceof BulkStatements.Executor ) ) {
			LOG.queriesOutsideTransactionsNotSeen( runtime.logPrefix(), factory.getJdbcServices().getClass().getName() );
		}
		// resource-local transactions only: under JTA the transaction manager begins the transaction, and Hibernate
		// neither switches autocommit nor reads the setting
		boolean jta = factory.getServiceRegistry().requireService( TransactionCoordinatorBuilder.class ).isJta();
		if ( !jta && !Boolean.parseBoolean( String.valueOf( settings.get( JdbcSettings.CONNECTION_PROVIDER_DISABLES_AUTOCOMMIT ) ) ) ) {
			LOG.autocommitHint( runtime.logPrefix(), JdbcSettings.CONNECTION_PROVIDER_DISABLES_AUTOCOMMIT );
		}
	}

	/**
	 * Whether application transactions run at REPEATABLE READ or SERIALIZABLE (hibernate.connection.isolation, else the
	 * connections' own level): their reads may come from an older snapshot, so rows they read are not cached.
	 */
	private static boolean readsFromSnapshots(SessionFactoryImplementor factory, BootConnection connection,
			Map<String, Object> settings, String unitName) {
		// the level of a real connection: the setting is applied only by Hibernate's own connection providers
		Integer isolation = connection.isolation();
		if ( isolation == null && factory.getServiceRegistry()
				.getService( org.hibernate.engine.jdbc.connections.spi.ConnectionProvider.class ) != null ) {
			isolation = HibernateInternals.configuredIsolation( settings );
			if ( isolation == null ) {
				isolation = java.sql.Connection.TRANSACTION_REPEATABLE_READ; // unknown: assume the cautious case
			}
		}
		boolean snapshots = isolation != null && isolation >= java.sql.Connection.TRANSACTION_REPEATABLE_READ;
		if ( snapshots ) {
			LOG.snapshotReads( "[write-behind " + unitName + "] ", isolation );
		}
		return snapshots;
	}

	private static final class RegionDraft {
		final String rootEntityName;
		final List<String> entityNames = new ArrayList<>();
		final Set<String> references = new LinkedHashSet<>();
		final long maxDelayMs;
		final ConflictPolicy conflictPolicy;
		final ConflictResolver conflictResolver;
		final QueryConsistency queryConsistency;

		RegionDraft(String rootEntityName, WriteBehindEntity annotation, WriteBehindConfig config) {
			this.rootEntityName = rootEntityName;
			this.queryConsistency = annotation.queryConsistency() == QueryConsistency.USE_GLOBAL
					? config.queryConsistency : annotation.queryConsistency();
			this.maxDelayMs = config.entityMaxDelayMs( rootEntityName, annotation.maxDelayMs() );
			if ( annotation.conflictResolver() != ConflictResolver.class ) {
				conflictResolver = config.instantiate( "@WriteBehindEntity(conflictResolver) of entity "
						+ rootEntityName, annotation.conflictResolver(), ConflictResolver.class );
				conflictPolicy = null;
			}
			else if ( annotation.conflictPolicy() != ConflictPolicy.USE_GLOBAL ) {
				conflictPolicy = annotation.conflictPolicy();
				conflictResolver = null;
			}
			else {
				conflictPolicy = config.conflictPolicy;
				conflictResolver = config.conflictResolver;
			}
		}
	}

	/** Groups opted-in entities by hierarchy and orders hierarchies so that referenced ones come first. */
	private static List<RegionDraft> regionsInForeignKeyOrder(Metadata metadata, List<PersistentClass> optedIn,
			WriteBehindConfig config) {
		Map<String, RegionDraft> byRoot = new LinkedHashMap<>();
		List<String> problems = new ArrayList<>();
		for ( PersistentClass binding : optedIn ) {
			PersistentClass root = binding.getRootClass();
			if ( !root.getMappedClass().isAnnotationPresent( WriteBehindEntity.class ) ) {
				problems.add( binding.getEntityName() + " is annotated @WriteBehindEntity but its hierarchy root "
						+ root.getEntityName() + " is not: put the annotation on " + root.getEntityName()
						+ ", it then applies to every subclass" );
				continue;
			}
			RegionDraft draft = byRoot.computeIfAbsent( root.getEntityName(), name -> new RegionDraft( name,
					root.getMappedClass().getAnnotation( WriteBehindEntity.class ), config ) );
			draft.entityNames.add( binding.getEntityName() );
			for ( Property property : binding.getPropertyClosure() ) {
				if ( property.getValue() instanceof ToOne toOne && toOne.getReferencedEntityName() != null ) {
					PersistentClass target = metadata.getEntityBinding( toOne.getReferencedEntityName() );
					if ( target != null ) {
						draft.references.add( target.getRootClass().getEntityName() );
					}
				}
			}
		}
		if ( !problems.isEmpty() ) {
			throw new WriteBehindConfigurationException( String.join( "; ", problems ) );
		}
		List<RegionDraft> ordered = new ArrayList<>();
		Set<String> visiting = new LinkedHashSet<>();
		for ( RegionDraft draft : byRoot.values() ) {
			visit( draft, byRoot, ordered, visiting );
		}
		return ordered;
	}

	private static void visit(RegionDraft draft, Map<String, RegionDraft> byRoot, List<RegionDraft> ordered,
			Set<String> visiting) {
		if ( ordered.contains( draft ) || !visiting.add( draft.rootEntityName ) ) {
			return; // done, or a cycle of references: keep the order found so far
		}
		for ( String reference : draft.references ) {
			RegionDraft target = byRoot.get( reference );
			if ( target != null && target != draft ) {
				visit( target, byRoot, ordered, visiting );
			}
		}
		visiting.remove( draft.rootEntityName );
		ordered.add( draft );
	}

	private static String unitName(Map<String, Object> settings, SessionFactoryImplementor factory) {
		Object unit = settings.get( org.hibernate.cfg.PersistenceSettings.PERSISTENCE_UNIT_NAME );
		if ( unit == null ) {
			unit = settings.get( "hibernate.ejb.persistenceUnitName" ); // Hibernate 5's key: no constant in Hibernate 7
		}
		if ( unit == null ) {
			unit = factory.getName();
		}
		return unit == null ? "default" : unit.toString();
	}

	@Override
	public void disintegrate(SessionFactoryImplementor sessionFactory, SessionFactoryServiceRegistry serviceRegistry) {
		// the runtime is closed by the observer when the factory closes
	}

	/** One installation per SessionFactory, whether found by the provider, by META-INF/services, or both. */
	@Override
	public boolean equals(Object other) {
		return other != null && other.getClass() == getClass();
	}

	@Override
	public int hashCode() {
		return getClass().hashCode();
	}

	/** Replaces Hibernate's default load listener by write-behind's subclass of it. */
	private static final class ReplaceDefaultLoadListener implements DuplicationStrategy {
		@Override
		public boolean areMatch(Object listener, Object original) {
			return listener instanceof DatasourceLoadListener && original instanceof LoadEventListener load
					&& DatasourceLoadListener.isHibernatesOwn( load );
		}

		@Override
		public Action getAction() {
			return Action.REPLACE_ORIGINAL;
		}
	}
}
