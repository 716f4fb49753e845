/**
 * The one place that uses Hibernate's {@code internal} packages (not SPI): every such use of write-behind goes
 * through {@link io.writebehind.internal.orm.HibernateInternals} or
 * {@link io.writebehind.internal.orm.DatasourceLoadListener}. A leaf package: it depends on Hibernate and the JDK
 * only, and any package of write-behind may use it. Each use is pinned by a test under
 * {@code src/test/java/io/writebehind/orm} that fails when a Hibernate upgrade changes what it relies on.
 */
package io.writebehind.internal.orm;
