package io.pgnotify.spring;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.context.ApplicationEvent;

/**
 * Published when a {@link PgListenerContainer} listens again after a {@link PgListenerContainer#pause() pause} or a
 * {@link PgListenerContainer#stop() stop}. NOTIFY is not stored by PostgreSQL: every notification sent on the
 * container's channels between {@link #since()} and the moment of this event was missed by the container's listener,
 * and will never be delivered to it. Listen for this event to resynchronise, as after a {@link
 * PgNotifyReconnectedEvent}.
 */
public final class PgListenerResumedEvent extends ApplicationEvent {

    private static final long serialVersionUID = 1L;

    private final Instant since;
    private final Duration gap;

    /**
     * Creates an event.
     *
     * @param container the container that listens again
     * @param since when it stopped listening
     * @param gap how long it did not listen
     */
    public PgListenerResumedEvent(PgListenerContainer container, Instant since, Duration gap) {
        super(container);
        this.since = since;
        this.gap = gap;
    }

    /**
     * The container that listens again.
     *
     * @return the container
     */
    public PgListenerContainer container() {
        return (PgListenerContainer) getSource();
    }

    /**
     * The container's listener id.
     *
     * @return the id
     */
    public String listenerId() {
        return container().id();
    }

    /**
     * The channels on which notifications were missed.
     *
     * @return the channel names
     */
    public List<String> channels() {
        return container().channels();
    }

    /**
     * When the container stopped listening: notifications sent from then until this event were missed.
     *
     * @return the instant
     */
    public Instant since() {
        return since;
    }

    /**
     * How long the container did not listen.
     *
     * @return the gap
     */
    public Duration gap() {
        return gap;
    }

    @Override
    public String toString() {
        return "PgListenerResumedEvent[" + listenerId() + ", channels=" + channels() + ", gap=" + gap + "]";
    }
}
