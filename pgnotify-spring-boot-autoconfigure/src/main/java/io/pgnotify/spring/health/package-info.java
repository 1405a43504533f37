/** The health of the listening connection, for Spring Boot's health endpoint. */
@NullMarked
package io.pgnotify.spring.health;

import org.jspecify.annotations.NullMarked;
