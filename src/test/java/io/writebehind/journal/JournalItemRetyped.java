package io.writebehind.journal;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** {@link JournalItem} after an incompatible schema change: {@code total} is a String now. */
@Entity(name = "JournalItem")
@Table(name = "wb_journal_item_retyped")
@WriteBehindEntity
public class JournalItemRetyped {

	@Id
	public Long id;

	@Version
	public long version;

	public String name;

	public String total;

	protected JournalItemRetyped() {
	}
}
