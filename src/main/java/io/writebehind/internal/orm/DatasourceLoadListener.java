package io.writebehind.internal.orm;

import java.util.function.Supplier;

import org.hibernate.event.internal.DefaultLoadEventListener;
import org.hibernate.event.spi.LoadEvent;
import org.hibernate.event.spi.LoadEventListener;
import org.hibernate.persister.entity.EntityPersister;

/**
 * Hibernate's own load listener ({@code DefaultLoadEventListener}: persistence context, proxies, natural ids), except
 * for its "load from the database" step, which is handed to a {@link DatasourceLoad} with Hibernate's own step to
 * call. Hibernate has no SPI for that step, so this is a subclass of its internal listener, overriding its protected
 * {@code loadFromDatasource(LoadEvent, EntityPersister)} (pinned by {@code DatasourceLoadListenerTest}).
 */
public final class DatasourceLoadListener extends DefaultLoadEventListener {

	/** The "load from the database" step of an entity that is not already in the persistence context. */
	@FunctionalInterface
	public interface DatasourceLoad {
		/**
		 * The entity, or {@code null} when there is none; {@code database} runs Hibernate's own step (a select).
		 * Runs on the thread of the session.
		 */
		Object load(LoadEvent event, EntityPersister persister, Supplier<Object> database);
	}

	private final DatasourceLoad load;

	public DatasourceLoadListener(DatasourceLoad load) {
		this.load = load;
	}

	/** Whether {@code listener} is Hibernate's own load listener (and not a replacement this one would drop). */
	public static boolean isHibernatesOwn(LoadEventListener listener) {
		return listener.getClass() == DefaultLoadEventListener.class;
	}

	@Override
	protected Object loadFromDatasource(LoadEvent event, EntityPersister persister) {
		return load.load( event, persister, () -> super.loadFromDatasource( event, persister ) );
	}
}
