package io.pgnotify.spring;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every start and stop of the registry's notifier goes through here, so that what "start again after a stop" means is
 * decided in one place. Today a notifier that was shut down cannot listen again: a start after a stop is refused with
 * a warning, and the containers stay registered so that they listen as soon as the notifier can be restarted.
 */
final class NotifierLifecycle {

    private static final Logger log = LoggerFactory.getLogger(NotifierLifecycle.class);

    private final Notifier notifier;
    private final Duration shutdownTimeout;

    NotifierLifecycle(Notifier notifier, Duration shutdownTimeout) {
        this.notifier = notifier;
        this.shutdownTimeout = shutdownTimeout;
    }

    /** Starts the notifier; returns whether it is (now) able to deliver to subscribers. */
    boolean start() {
        NotifierState state = notifier.state();
        if (state == NotifierState.NEW) {
            notifier.start();
            return true;
        }
        if (state == NotifierState.STOPPING || state == NotifierState.STOPPED) {
            log.warn("[{}] cannot start again: the notifier is {}", notifier.name(), state);
            return false;
        }
        return true;
    }

    /** Whether subscribing now is allowed: before the first start or while running, not once shut down. */
    boolean canSubscribe() {
        NotifierState state = notifier.state();
        return state != NotifierState.STOPPING && state != NotifierState.STOPPED;
    }

    /** Stops the notifier gracefully, blocking for at most the shutdown timeout. */
    void stop() {
        notifier.shutdown(shutdownTimeout);
    }

    String name() {
        return notifier.name();
    }
}
