package io.pgnotify.spring;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every start and stop of the registry's notifier goes through here. A context stop stops the notifier with {@link
 * Notifier#stop(Duration)}, which keeps it restartable, so a context start (as Spring's test context cache does when
 * it resumes a paused context) listens again; closing the context closes the notifier for good, through its bean's
 * {@code close()}.
 */
final class NotifierLifecycle {

    private static final Logger log = LoggerFactory.getLogger(NotifierLifecycle.class);

    private final Notifier notifier;
    private final Duration shutdownTimeout;

    NotifierLifecycle(Notifier notifier, Duration shutdownTimeout) {
        this.notifier = notifier;
        this.shutdownTimeout = shutdownTimeout;
    }

    /** Starts the notifier, or starts it again after a stop; returns whether it can deliver to subscribers. */
    boolean start() {
        NotifierState state = notifier.state();
        if (state != NotifierState.NEW && state != NotifierState.STOPPED) {
            return true;
        }
        try {
            notifier.start();
            return true;
        } catch (IllegalStateException e) {
            // Shut down for good (closed), or still stopping past the previous stop's timeout.
            log.warn("[{}] cannot start again: {}", notifier.name(), e.getMessage());
            return false;
        }
    }

    /** Whether subscribing now is allowed: before the first start or while running, not while stopped. */
    boolean canSubscribe() {
        NotifierState state = notifier.state();
        return state != NotifierState.STOPPING && state != NotifierState.STOPPED;
    }

    /** Stops the notifier gracefully and restartably, blocking for at most the shutdown timeout. */
    void stop() {
        notifier.stop(shutdownTimeout);
    }

    String name() {
        return notifier.name();
    }
}
