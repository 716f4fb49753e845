package io.writebehind.core;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import io.writebehind.testing.WriteBehindTestBase;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Core point 6: an entity without @Version is accepted (with a boot warning) and the last write wins. */
class UnversionedEntityTest extends WriteBehindTestBase {

	@Entity
	@Table(name = "wb_setting")
	@WriteBehindEntity
	public static class Setting {
		@Id
		String name;
		@jakarta.persistence.Column(name = "setting_value")
		String value;

		protected Setting() {
		}

		Setting(String name, String value) {
			this.name = name;
			this.value = value;
		}
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Setting.class };
	}

	@Test
	void concurrentWritesToOneIdBothCommitAndTheLastWins() {
		inTransaction( em -> em.persist( new Setting( "mode", "a" ) ) );
		writeBehind().flush();
		EntityManager first = emf.createEntityManager();
		EntityManager second = emf.createEntityManager();
		first.getTransaction().begin();
		second.getTransaction().begin();
		first.find( Setting.class, "mode" ).value = "first";
		second.find( Setting.class, "mode" ).value = "second";
		first.getTransaction().commit();
		second.getTransaction().commit();
		first.close();
		second.close();
		assertEquals( "second", fromTransaction( em -> em.find( Setting.class, "mode" ) ).value );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_setting where name = 'mode' and setting_value = 'second'" ) );
		// a change behind our back is overwritten: that is what "last write wins" means without a version
		update( "update wb_setting set setting_value = 'outside' where name = 'mode'" );
		inTransaction( em -> em.find( Setting.class, "mode" ).value = "ours" );
		writeBehind().flush();
		assertEquals( 1, count( "select count(*) from wb_setting where setting_value = 'ours'" ) );
		assertEquals( 0, writeBehind().stats().conflicts() );
	}
}
