/**
 * Support for the tests of applications that use pgnotify: {@link io.pgnotify.spring.test.PgChannels#awaitListening
 * waiting until channels are listened to}, a {@link io.pgnotify.spring.test.PgNotificationRecorder recorder} of what
 * arrives on a channel, and a {@link io.pgnotify.spring.test.PgListenerTestHarness harness} that waits for a given
 * {@link io.pgnotify.spring.PgListener} method to be called.
 */
@NullMarked
package io.pgnotify.spring.test;

import org.jspecify.annotations.NullMarked;
