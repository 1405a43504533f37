/** Use case: a waiter takes a lock as soon as its holder releases it. */
@NullMarked
package io.pgnotify.sample.locks;

import org.jspecify.annotations.NullMarked;
