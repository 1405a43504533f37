/** Auto-configuration of durable channels. */
@NullMarked
package io.pgnotify.spring.boot.autoconfigure.durable;

import org.jspecify.annotations.NullMarked;
