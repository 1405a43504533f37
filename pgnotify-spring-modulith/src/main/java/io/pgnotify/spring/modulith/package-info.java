/**
 * Spring Modulith event externalization to pgnotify durable channels: an {@code @Externalized} event is stored as a
 * durable message in the transaction that publishes it.
 */
@NullMarked
package io.pgnotify.spring.modulith;

import org.jspecify.annotations.NullMarked;
