/** Use case: background jobs triggered by a database trigger. */
@NullMarked
package io.pgnotify.sample.jobs;

import org.jspecify.annotations.NullMarked;
