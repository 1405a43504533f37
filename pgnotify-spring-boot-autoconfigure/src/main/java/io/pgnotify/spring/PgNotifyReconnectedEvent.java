package io.pgnotify.spring;

import io.pgnotify.core.Notifier;
import java.time.Duration;
import org.springframework.context.ApplicationEvent;

/**
 * Published after the listening connection was lost and every channel is listened to again. Notifications sent while
 * disconnected were lost (delivery is at most once): listen for this event to resynchronise, for example by reloading
 * state from the tables the notifications are about.
 */
public final class PgNotifyReconnectedEvent extends ApplicationEvent {

    private static final long serialVersionUID = 1L;

    private final int attempts;
    private final Duration downtime;

    /**
     * Creates an event.
     *
     * @param notifier the notifier that reconnected
     * @param attempts the connection attempts it took
     * @param downtime how long it was not listening
     */
    public PgNotifyReconnectedEvent(Notifier notifier, int attempts, Duration downtime) {
        super(notifier);
        this.attempts = attempts;
        this.downtime = downtime;
    }

    /**
     * The connection attempts the reconnect took.
     *
     * @return at least 1
     */
    public int attempts() {
        return attempts;
    }

    /**
     * How long the notifier was not listening: from the disconnect until every channel was listened to again.
     *
     * @return the downtime
     */
    public Duration downtime() {
        return downtime;
    }

    /**
     * The notifier that reconnected.
     *
     * @return the notifier
     */
    public Notifier notifier() {
        return (Notifier) getSource();
    }

    @Override
    public String toString() {
        return "PgNotifyReconnectedEvent[attempts=" + attempts + ", downtime=" + downtime + "]";
    }
}
