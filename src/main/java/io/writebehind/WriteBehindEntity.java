package io.writebehind;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Opts an {@code @Entity} hierarchy in to write-behind: its persist, merge and remove operations are applied to the
 * write-behind cache when the application's transaction commits, and a background flusher writes them to the
 * database later, in JDBC batches, with optimistic version checks.
 * <p>
 * Put the annotation on the root entity of a hierarchy; it applies to every subclass. An opted-in entity must have an
 * identifier that is known at persist time (assigned, UUID or SEQUENCE), should have a {@code @Version} attribute
 * (without one, the last write wins), and may not own collection tables ({@code @ElementCollection}, owning
 * {@code @ManyToMany}, join-table {@code @OneToMany}); such mappings are refused when the
 * {@code EntityManagerFactory} starts, with a message that names the entity and attribute.
 * <p>
 * Attributes override the global {@code hibernate.writebehind.*} settings for this entity; their default values
 * mean "use the global setting".
 */
@Documented
@Inherited
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface WriteBehindEntity {

	/** Value of an attribute that means "use the global setting". */
	long USE_GLOBAL = -1;

	/**
	 * The longest time, in milliseconds, a committed write of this entity may wait in the queue before the flusher
	 * writes it. Overrides {@link WriteBehindSettings#MAX_DELAY_MS} for this entity; {@link #USE_GLOBAL} (the default)
	 * uses the global setting. Must be {@code >= 0} otherwise.
	 */
	long maxDelayMs() default USE_GLOBAL;

	/**
	 * What the flusher does when a write of this entity finds its row changed behind write-behind's back. Overrides
	 * {@link WriteBehindSettings#CONFLICT_POLICY}; {@link ConflictPolicy#USE_GLOBAL} (the default) uses the global
	 * setting. Ignored when {@link #conflictResolver()} is set.
	 */
	ConflictPolicy conflictPolicy() default ConflictPolicy.USE_GLOBAL;

	/**
	 * A {@link ConflictResolver} class (public, with a public no-argument constructor) that decides this entity's
	 * conflicts case by case. The default, {@code ConflictResolver.class} itself, means "none".
	 */
	Class<? extends ConflictResolver> conflictResolver() default ConflictResolver.class;

	/**
	 * What queries see of this entity's pending writes. Overrides {@link WriteBehindSettings#QUERY_CONSISTENCY};
	 * {@link QueryConsistency#USE_GLOBAL} (the default) uses the global setting.
	 */
	QueryConsistency queryConsistency() default QueryConsistency.USE_GLOBAL;
}
