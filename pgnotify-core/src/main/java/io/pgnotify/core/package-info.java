/** The LISTEN/NOTIFY engine: {@link io.pgnotify.core.Notifier} and the types it works with. */
@NullMarked
package io.pgnotify.core;

import org.jspecify.annotations.NullMarked;
