package io.writebehind.journal;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * {@link JournalItem} after a compatible schema change: most properties removed, {@code note} added. Same entity name
 * and table.
 */
@Entity(name = "JournalItem")
@Table(name = "wb_journal_item")
@WriteBehindEntity
public class JournalItemAdded {

	@Id
	public Long id;

	@Version
	public long version;

	public String name;

	public long total;

	public String note;

	protected JournalItemAdded() {
	}
}
