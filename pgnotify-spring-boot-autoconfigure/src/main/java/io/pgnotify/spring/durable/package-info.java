/** Durable channels in Spring: {@link io.pgnotify.spring.durable.PgDurableListener} and durable publishing. */
@NullMarked
package io.pgnotify.spring.durable;

import org.jspecify.annotations.NullMarked;
