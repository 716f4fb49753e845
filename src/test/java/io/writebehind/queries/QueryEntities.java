package io.writebehind.queries;

import io.writebehind.QueryConsistency;
import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** Entities of the query tests: the same shape opted in and not, and a category that is never opted in. */
final class QueryEntities {

	private QueryEntities() {
	}

	@Entity(name = "Category")
	@Table(name = "wbq_category")
	public static class Category {
		@Id
		Long id;
		String name;

		protected Category() {
		}

		Category(Long id, String name) {
			this.id = id;
			this.name = name;
		}
	}

	@Entity(name = "Item")
	@Table(name = "wbq_item")
	@jakarta.persistence.NamedQuery(name = "Item.cheaperThan", query = "select i from Item i where i.price < :max order by i.id")
	@WriteBehindEntity
	public static class Item {
		@Id
		Long id;
		@Version
		int version;
		String name;
		long price;
		@ManyToOne
		Category category;

		protected Item() {
		}

		Item(Long id, String name, long price, Category category) {
			this.id = id;
			this.name = name;
			this.price = price;
			this.category = category;
		}
	}

	/** The same as Item, written synchronously by plain Hibernate: the reference for query results. */
	@Entity(name = "PlainItem")
	@Table(name = "wbq_plain_item")
	public static class PlainItem {
		@Id
		Long id;
		@Version
		int version;
		String name;
		long price;
		@ManyToOne
		Category category;

		protected PlainItem() {
		}

		PlainItem(Long id, String name, long price, Category category) {
			this.id = id;
			this.name = name;
			this.price = price;
			this.category = category;
		}
	}

	@Entity(name = "EventualItem")
	@Table(name = "wbq_eventual")
	@WriteBehindEntity(queryConsistency = QueryConsistency.EVENTUAL)
	public static class EventualItem {
		@Id
		Long id;
		@Version
		int version;
		String name;

		protected EventualItem() {
		}

		EventualItem(Long id, String name) {
			this.id = id;
			this.name = name;
		}
	}
}
