package io.writebehind.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.OneToMany;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * Inverse {@code @OneToMany(mappedBy)} collections of an opted-in parent, with opted-in children and with normal
 * children: the children's foreign keys reach the database, and the collection read in a new EntityManager gives the
 * right children before and after the flush.
 */
class InverseCollectionMappingTest extends MappingTestBase {

	@Entity(name = "WbmTeam")
	@Table(name = "wbm_team")
	@WriteBehindEntity
	static class Team {
		@Id
		Long id;
		@Version
		int version;
		String name;
		@OneToMany(mappedBy = "team")
		List<Player> players = new ArrayList<>();
		@OneToMany(mappedBy = "team")
		Set<Coach> coaches = new HashSet<>();

		Team() {
		}

		Team(Long id, String name) {
			this.id = id;
			this.name = name;
		}

		String getName() {
			return name;
		}
	}

	@Entity(name = "WbmPlayer")
	@Table(name = "wbm_player")
	@WriteBehindEntity
	static class Player {
		@Id
		Long id;
		@Version
		int version;
		String name;
		@ManyToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "team_id")
		Team team;

		Player() {
		}

		Player(Long id, String name, Team team) {
			this.id = id;
			this.name = name;
			this.team = team;
			if ( team != null ) {
				team.players.add( this );
			}
		}
	}

	/** A normal entity: written by Hibernate at commit. */
	@Entity(name = "WbmCoach")
	@Table(name = "wbm_coach")
	static class Coach {
		@Id
		Long id;
		String name;
		@ManyToOne(fetch = FetchType.LAZY)
		@JoinColumn(name = "team_id")
		Team team;

		Coach() {
		}

		Coach(Long id, String name, Team team) {
			this.id = id;
			this.name = name;
			this.team = team;
			team.coaches.add( this );
		}
	}

	@Override
	protected Class<?>[] entities() {
		return new Class<?>[] { Team.class, Player.class, Coach.class };
	}

	private Set<Long> playersOf(long team) {
		return fromTransaction( em -> em.find( Team.class, team ).players.stream().map( p -> p.id )
				.collect( Collectors.toCollection( TreeSet::new ) ) );
	}

	private Set<Long> coachesOf(long team) {
		return fromTransaction( em -> em.find( Team.class, team ).coaches.stream().map( c -> c.id )
				.collect( Collectors.toCollection( TreeSet::new ) ) );
	}

	private Long teamIdInDatabase(String table, long id) {
		return longValue( row( "select team_id from " + table + " where id = ?", id ), "team_id" );
	}

	private void persistTeamsAndPlayers() {
		inTransaction( em -> {
			Team red = new Team( 1L, "red" );
			Team blue = new Team( 2L, "blue" );
			em.persist( red );
			em.persist( blue );
			em.persist( new Player( 10L, "ann", red ) );
			em.persist( new Player( 11L, "ben", red ) );
			em.persist( new Player( 20L, "cid", blue ) );
		} );
	}

	@Test
	void optedInChildrenAreWrittenWithTheirForeignKey() {
		persistTeamsAndPlayers();
		sql().clear();
		assertEquals( "red", fromTransaction( em -> em.find( Player.class, 10L ).team.getName() ) );
		assertNoSqlOn( "wbm_team", "wbm_player" );
		flushWithoutSelect();
		assertEquals( 1L, teamIdInDatabase( "wbm_player", 10L ) );
		assertEquals( 1L, teamIdInDatabase( "wbm_player", 11L ) );
		assertEquals( 2L, teamIdInDatabase( "wbm_player", 20L ) );
		assertEquals( Set.of( 10L, 11L ), playersOf( 1L ) );
		assertEquals( Set.of( 20L ), playersOf( 2L ) );

		// a player changes team, another leaves, the collection's owner is not written for it
		inTransaction( em -> {
			Player ann = em.find( Player.class, 10L );
			ann.team.players.remove( ann );
			ann.team = em.find( Team.class, 2L );
			ann.team.players.add( ann );
			em.find( Player.class, 11L ).team = null;
		} );
		flushWithoutSelect();
		assertEquals( 2L, teamIdInDatabase( "wbm_player", 10L ) );
		assertNull( teamIdInDatabase( "wbm_player", 11L ) );
		assertEquals( Set.of(), playersOf( 1L ) );
		assertEquals( Set.of( 10L, 20L ), playersOf( 2L ) );
	}

	@Test
	void optedInChildrenAreInTheCollectionBeforeTheFlush() {
		persistTeamsAndPlayers();
		assertEquals( Set.of( 10L, 11L ), playersOf( 1L ), "children committed but not yet flushed" );
		writeBehind().flush();
		assertEquals( Set.of( 10L, 11L ), playersOf( 1L ) );
		inTransaction( em -> em.find( Player.class, 11L ).team = em.getReference( Team.class, 2L ) );
		assertEquals( Set.of( 11L, 20L ), playersOf( 2L ), "a child moved by a committed, not yet flushed write" );
		writeBehind().flush();
		assertEquals( Set.of( 11L, 20L ), playersOf( 2L ) );
	}

	@Test
	void normalChildrenOfAFlushedParent() {
		inTransaction( em -> em.persist( new Team( 1L, "red" ) ) );
		writeBehind().flush();
		inTransaction( em -> {
			Team red = em.find( Team.class, 1L );
			em.persist( new Coach( 100L, "zoe", red ) );
			em.persist( new Coach( 101L, "yan", red ) );
		} );
		// normal entities are written at commit
		assertEquals( 1L, teamIdInDatabase( "wbm_coach", 100L ) );
		assertEquals( 1L, teamIdInDatabase( "wbm_coach", 101L ) );
		assertEquals( Set.of( 100L, 101L ), coachesOf( 1L ) );
		// the opted-in parent changes while its normal children stay
		inTransaction( em -> em.find( Team.class, 1L ).name = "crimson" );
		assertEquals( Set.of( 100L, 101L ), coachesOf( 1L ) );
		writeBehind().flush();
		assertEquals( "crimson", string( row( "select name from wbm_team where id = 1" ), "name" ) );
		assertEquals( Set.of( 100L, 101L ), coachesOf( 1L ) );
		// removing the children (at commit) and then the parent (write-behind)
		inTransaction( em -> {
			Team red = em.find( Team.class, 1L );
			for ( Coach coach : red.coaches ) {
				em.remove( coach );
			}
			em.remove( red );
		} );
		assertEquals( 0, count( "select count(*) from wbm_coach" ) );
		writeBehind().flush();
		assertEquals( 0, count( "select count(*) from wbm_team" ) );
	}

	@Test
	void normalChildOfAParentPersistedInTheSameTransaction() {
		// the coach's INSERT runs at commit and references a team write-behind has not written: the team's row is
		// written first, by the same transaction
		inTransaction( em -> {
			Team red = new Team( 1L, "red" );
			em.persist( red );
			em.persist( new Coach( 100L, "zoe", red ) );
		} );
		assertEquals( 1L, teamIdInDatabase( "wbm_coach", 100L ) );
		assertEquals( "red", string( row( "select name from wbm_team where id = 1" ), "name" ) );
		assertEquals( Set.of( 100L ), coachesOf( 1L ) );
		writeBehind().flush();
		assertTrue( writeBehind().failedWrites().isEmpty(), () -> writeBehind().failedWrites().toString() );
		assertEquals( 1, count( "select count(*) from wbm_team" ) );
		assertEquals( 0L, longValue( row( "select version from wbm_team where id = 1" ), "version" ) );
		// the team is still served by the cache and written by write-behind afterwards
		sql().clear();
		inTransaction( em -> em.find( Team.class, 1L ).name = "crimson" );
		assertNoSqlOn( "wbm_team" );
		flushWithoutSelect();
		assertEquals( "crimson", string( row( "select name from wbm_team where id = 1" ), "name" ) );
		assertEquals( 1L, longValue( row( "select version from wbm_team where id = 1" ), "version" ) );
	}

	@Test
	void normalChildOfAParentCommittedButNotYetFlushed() {
		inTransaction( em -> em.persist( new Team( 1L, "red" ) ) );
		assertEquals( 0, count( "select count(*) from wbm_team" ) );
		inTransaction( em -> em.persist( new Coach( 100L, "zoe", em.find( Team.class, 1L ) ) ) );
		assertEquals( 1L, teamIdInDatabase( "wbm_coach", 100L ) );
		assertEquals( 1, count( "select count(*) from wbm_team" ) );
		assertEquals( Set.of( 100L ), coachesOf( 1L ) );
		writeBehind().flush();
		assertTrue( writeBehind().failedWrites().isEmpty(), () -> writeBehind().failedWrites().toString() );
	}
}
