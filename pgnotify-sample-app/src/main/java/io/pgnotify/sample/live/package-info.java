/** Use case: notifications relayed to browsers as server-sent events, and the page's publish endpoint. */
@NullMarked
package io.pgnotify.sample.live;

import org.jspecify.annotations.NullMarked;
