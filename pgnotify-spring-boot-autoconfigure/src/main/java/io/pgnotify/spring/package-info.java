/** Spring integration of pgnotify: {@link io.pgnotify.spring.PgListener} methods and {@link io.pgnotify.spring.PgNotifyTemplate}. */
@NullMarked
package io.pgnotify.spring;

import org.jspecify.annotations.NullMarked;
