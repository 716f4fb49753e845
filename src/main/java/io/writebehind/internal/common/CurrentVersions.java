package io.writebehind.internal.common;

import org.hibernate.StatelessSession;
import org.hibernate.Transaction;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

/**
 * The version of a row as the database holds it now, for the checks a commit makes against the database (the commit
 * check of an id the cache no longer holds, the lease mode's check after a hand-over). Stateless.
 */
public final class CurrentVersions {

	private CurrentVersions() {
	}

	/**
	 * The row's version now ({@code null} when there is no row), read in a short transaction of its own: the
	 * application's transaction may read from an older snapshot (REPEATABLE READ, the MySQL/MariaDB default), and the
	 * state it read may come from write-behind's cache, newer than that snapshot. Under JTA the application's
	 * transaction is suspended meanwhile (Hibernate's isolation delegate): otherwise the short transaction would join
	 * it, and its rollback would mark the application's transaction rollback-only.
	 */
	public static Object read(EntityPersister persister, Object id, SharedSessionContractImplementor session) {
		return session.getTransactionCoordinator().createIsolationDelegate().delegateCallable( () -> {
			try ( StatelessSession own = session.getFactory().openStatelessSession() ) {
				Transaction tx = own.beginTransaction();
				try {
					return persister.getCurrentVersion( id, (SharedSessionContractImplementor) own );
				}
				finally {
					tx.rollback();
				}
			}
		}, false );
	}
}
