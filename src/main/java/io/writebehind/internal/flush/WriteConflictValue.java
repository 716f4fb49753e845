package io.writebehind.internal.flush;

import io.writebehind.FailedWrite.Operation;
import io.writebehind.WriteConflict;

/** The library's {@link WriteConflict}. */
public record WriteConflictValue(String entityName, Object id, Operation operation, Object ours, Object database)
		implements WriteConflict {

	@Override
	public String toString() {
		return "WriteConflict[" + operation + " " + entityName + "#" + id + "]";
	}
}
