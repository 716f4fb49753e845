package io.writebehind.spring;

import java.util.Map;

import org.hibernate.engine.spi.SessionFactoryImplementor;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.writebehind.WriteBehind;
import io.writebehind.metrics.WriteBehindMetrics;
import jakarta.persistence.EntityManagerFactory;

/** Binds the {@link WriteBehindMetrics} of every factory with write-behind. */
final class WriteBehindMeterBinder implements MeterBinder {

	private final WriteBehindUnits units;

	WriteBehindMeterBinder(WriteBehindUnits units) {
		this.units = units;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Map<String, WriteBehind> all = units.all();
		for ( String name : all.keySet() ) {
			EntityManagerFactory factory = units.factory( name ).unwrap( SessionFactoryImplementor.class );
			new WriteBehindMetrics( factory, all.size() == 1 ? Tags.empty() : Tags.of( "entityManagerFactory", name ) )
					.bindTo( registry );
		}
	}
}
