/** Auto-configuration of pgnotify for Spring Boot. */
@NullMarked
package io.pgnotify.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
