/** The pgnotify sample application. */
@NullMarked
package io.pgnotify.sample;

import org.jspecify.annotations.NullMarked;
