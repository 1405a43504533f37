package io.pgnotify.spring;

import io.pgnotify.core.Notifier;
import java.time.Duration;
import org.springframework.context.ApplicationEvent;

/**
 * Published after the listening session was replaced by a new one without a gap, by {@link Notifier#rotate()} or by
 * {@code pgnotify.listener.max-lifetime}: nothing was lost or delivered twice, so there is nothing to resynchronise. A
 * rotation is not a reconnect; no {@link PgNotifyReconnectedEvent} is published for it.
 */
public final class PgNotifyRotatedEvent extends ApplicationEvent {

    private static final long serialVersionUID = 1L;

    private final int oldBackendPid;
    private final int newBackendPid;
    private final Duration overlap;

    /**
     * Creates an event.
     *
     * @param notifier the notifier that rotated
     * @param oldBackendPid the backend pid of the session that was closed
     * @param newBackendPid the backend pid of the session that listens now
     * @param overlap how long both sessions listened
     */
    public PgNotifyRotatedEvent(Notifier notifier, int oldBackendPid, int newBackendPid, Duration overlap) {
        super(notifier);
        this.oldBackendPid = oldBackendPid;
        this.newBackendPid = newBackendPid;
        this.overlap = overlap;
    }

    /**
     * The backend process id of the session that was closed.
     *
     * @return the old session's pid
     */
    public int oldBackendPid() {
        return oldBackendPid;
    }

    /**
     * The backend process id of the session that listens now.
     *
     * @return the new session's pid
     */
    public int newBackendPid() {
        return newBackendPid;
    }

    /**
     * How long both sessions listened: from opening the new one until the old one was closed.
     *
     * @return the overlap
     */
    public Duration overlap() {
        return overlap;
    }

    /**
     * The notifier that rotated.
     *
     * @return the notifier
     */
    public Notifier notifier() {
        return (Notifier) getSource();
    }

    /**
     * The name of the notifier that rotated, as in its log lines and {@code status().name()}.
     *
     * @return the notifier's name
     */
    public String notifierName() {
        return notifier().name();
    }

    @Override
    public String toString() {
        return "PgNotifyRotatedEvent[notifier=" + notifierName() + ", oldBackendPid=" + oldBackendPid
                + ", newBackendPid=" + newBackendPid + ", overlap=" + overlap + "]";
    }
}
