/** Auto-configuration of pgnotify's health indicator. */
@NullMarked
package io.pgnotify.spring.boot.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
