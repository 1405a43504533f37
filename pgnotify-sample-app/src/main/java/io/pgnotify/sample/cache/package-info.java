/** Use case: a local cache evicted by notifications and flushed after a reconnect. */
@NullMarked
package io.pgnotify.sample.cache;

import org.jspecify.annotations.NullMarked;
