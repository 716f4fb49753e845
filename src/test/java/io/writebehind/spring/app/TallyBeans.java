package io.writebehind.spring.app;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.writebehind.ConflictResolver;
import io.writebehind.FailedWrite;
import io.writebehind.WriteConflict;
import io.writebehind.WriteFailureHandler;
import io.writebehind.spring.RecordingListener;

/**
 * The Spring beans the integration tests name in their settings or expect to be found: a listener, a conflict resolver
 * and a failure handler, the last two with a dependency injected by Spring (an {@link Audit}).
 */
@Configuration(proxyBeanMethods = false)
public class TallyBeans {

	/** What the resolver and the handler report to: a dependency only Spring can give them. */
	public static final class Audit {
		public final List<Object> conflicts = new CopyOnWriteArrayList<>();
		public final List<FailedWrite> failures = new CopyOnWriteArrayList<>();
	}

	/** Keeps the database's row and reports the conflict. */
	public static final class AuditingResolver implements ConflictResolver {
		public final Audit audit;

		public AuditingResolver(Audit audit) {
			this.audit = audit;
		}

		@Override
		public Object resolve(WriteConflict conflict) {
			audit.conflicts.add( conflict.id() );
			return null;
		}
	}

	public static final class AuditingHandler implements WriteFailureHandler {
		public final Audit audit;

		public AuditingHandler(Audit audit) {
			this.audit = audit;
		}

		@Override
		public void onFailure(FailedWrite write) {
			audit.failures.add( write );
		}
	}

	@Bean
	Audit audit() {
		return new Audit();
	}

	@Bean
	AuditingResolver auditingResolver(Audit audit) {
		return new AuditingResolver( audit );
	}

	@Bean
	AuditingHandler auditingHandler(Audit audit) {
		return new AuditingHandler( audit );
	}

	@Bean
	RecordingListener recordingListener() {
		return new RecordingListener();
	}
}
