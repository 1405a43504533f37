/** The {@code pgnotify} actuator endpoint: the listening connection, its channels and their listeners. */
@NullMarked
package io.pgnotify.spring.endpoint;

import org.jspecify.annotations.NullMarked;
