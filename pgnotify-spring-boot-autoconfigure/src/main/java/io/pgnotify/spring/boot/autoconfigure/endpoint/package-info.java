/** Auto-configuration of the pgnotify actuator endpoint. */
@NullMarked
package io.pgnotify.spring.boot.autoconfigure.endpoint;

import org.jspecify.annotations.NullMarked;
