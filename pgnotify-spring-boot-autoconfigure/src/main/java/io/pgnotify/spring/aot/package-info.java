/**
 * Ahead-of-time processing and GraalVM native images: the reflection that {@link io.pgnotify.spring.PgListener}
 * methods and the engine need, declared so that a native image keeps it.
 */
@NullMarked
package io.pgnotify.spring.aot;

import org.jspecify.annotations.NullMarked;
