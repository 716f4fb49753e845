package io.writebehind.internal.flush;

/** Stops a bisection: the database became unavailable while the bad write was being looked for. */
final class TransientFailure extends RuntimeException {
	private static final long serialVersionUID = 1L;

	/** The failure came from a commit: the writes may have reached the database. */
	final boolean uncertain;

	TransientFailure(RuntimeException cause) {
		super( cause );
		this.uncertain = cause instanceof BatchWriter.CommitOutcomeUnknown;
	}
}
