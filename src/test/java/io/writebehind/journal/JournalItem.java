package io.writebehind.journal;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Embeddable;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** An entity with basic values of several kinds and an embeddable, journaled by {@link JournalTest}. */
@Entity(name = "JournalItem")
@Table(name = "wb_journal_item")
@WriteBehindEntity
public class JournalItem {

	public enum Kind { SMALL, LARGE }

	@Embeddable
	public static class Place {
		public String city;
		public Integer zip;

		public Place() {
		}

		public Place(String city, Integer zip) {
			this.city = city;
			this.zip = zip;
		}
	}

	@Id
	public Long id;

	@Version
	public long version;

	public String name;

	public long total;

	public BigDecimal price;

	public Instant at;

	public UUID token;

	@Enumerated(EnumType.STRING)
	public Kind kind;

	public byte[] data;

	@Embedded
	public Place place;

	protected JournalItem() {
	}

	public JournalItem(Long id, String name, long total) {
		this.id = id;
		this.name = name;
		this.total = total;
	}
}
