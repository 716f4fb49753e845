package io.writebehind.spring;

import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

import io.writebehind.WriteBehind;
import io.writebehind.WriteBehindListener;
import io.writebehind.WriteBehindSettings;
import io.writebehind.internal.common.WriteBehindLogger;

/**
 * Tells the {@link WriteBehindListener} beans of the context of the events of every write-behind, once all singletons
 * exist. A listener bean whose class is also named in {@code writebehind.listeners} is registered there already (the
 * setting resolves to the same bean) and is not added twice.
 */
final class WriteBehindListenerRegistrar implements SmartInitializingSingleton {

	private static final WriteBehindLogger LOG = WriteBehindLogger.of( WriteBehindListenerRegistrar.class );

	private final ObjectProvider<WriteBehindUnits> unitsProvider;
	private final ObjectProvider<WriteBehindListener> listeners;

	WriteBehindListenerRegistrar(ObjectProvider<WriteBehindUnits> units, ObjectProvider<WriteBehindListener> listeners) {
		this.unitsProvider = units;
		this.listeners = listeners;
	}

	@Override
	public void afterSingletonsInstantiated() {
		List<WriteBehindListener> beans = listeners.orderedStream().toList();
		WriteBehindUnits units = unitsProvider.getIfAvailable();
		if ( beans.isEmpty() || units == null ) {
			return;
		}
		for ( Map.Entry<String, WriteBehind> unit : units.all().entrySet() ) {
			String named = String.valueOf( units.settings( unit.getKey() ).get( WriteBehindSettings.LISTENERS ) );
			List<WriteBehindListener> added = beans.stream()
					.filter( listener -> !List.of( named.split( "\\s*,\\s*" ) ).contains( listener.getClass().getName() ) )
					.toList();
			added.forEach( unit.getValue()::addListener );
			LOG.springListenersAdded( "[write-behind " + unit.getKey() + "] ", added );
		}
	}
}
