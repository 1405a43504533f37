/** Auto-configuration of pgnotify's metrics. */
@NullMarked
package io.pgnotify.spring.boot.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
