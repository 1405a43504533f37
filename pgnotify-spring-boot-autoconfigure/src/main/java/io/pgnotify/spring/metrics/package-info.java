/** Micrometer meters for pgnotify: notifications, handlers, the listening connection. */
@NullMarked
package io.pgnotify.spring.metrics;

import org.jspecify.annotations.NullMarked;
