/** Use case: settings reloaded when a row changes. */
@NullMarked
package io.pgnotify.sample.settings;

import org.jspecify.annotations.NullMarked;
