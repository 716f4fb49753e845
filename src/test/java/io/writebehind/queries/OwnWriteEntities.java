package io.writebehind.queries;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** Two opted-in entities, one referencing the other: the foreign-key order of a transaction's own writes. */
final class OwnWriteEntities {

	private OwnWriteEntities() {
	}

	@Entity(name = "Shelf")
	@Table(name = "wbq_shelf")
	@WriteBehindEntity
	public static class Shelf {
		@Id
		Long id;
		@Version
		int version;
		String name;

		protected Shelf() {
		}

		Shelf(Long id, String name) {
			this.id = id;
			this.name = name;
		}
	}

	@Entity(name = "Box")
	@Table(name = "wbq_box")
	@WriteBehindEntity
	public static class Box {
		@Id
		Long id;
		@Version
		int version;
		long weight;
		@ManyToOne
		Shelf shelf;

		protected Box() {
		}

		Box(Long id, long weight, Shelf shelf) {
			this.id = id;
			this.weight = weight;
			this.shelf = shelf;
		}
	}

	/** Opted in without {@code @Version}: the last write wins. */
	@Entity(name = "Note")
	@Table(name = "wbq_note")
	@WriteBehindEntity
	public static class Note {
		@Id
		Long id;
		String text;

		protected Note() {
		}

		Note(Long id, String text) {
			this.id = id;
			this.text = text;
		}
	}
}
