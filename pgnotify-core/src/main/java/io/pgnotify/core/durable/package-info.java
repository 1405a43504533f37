/**
 * Durable channels: at-least-once delivery to consumer groups over PostgreSQL tables, woken by the
 * {@link io.pgnotify.core.Notifier}'s connection. Start at {@link io.pgnotify.core.durable.DurableChannels}.
 */
@NullMarked
package io.pgnotify.core.durable;

import org.jspecify.annotations.NullMarked;
