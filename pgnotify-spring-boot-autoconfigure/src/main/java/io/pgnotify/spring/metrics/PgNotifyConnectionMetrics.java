package io.pgnotify.spring.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import java.util.Objects;

/** Gauges of a {@link Notifier}'s listening connection, read from {@link Notifier#status()} when sampled. */
public final class PgNotifyConnectionMetrics implements MeterBinder {

    /** 1 while listening to every channel, else 0. */
    public static final String CONNECTION_UP = "pgnotify.connection.up";

    /** Notifications waiting for their handlers. */
    public static final String BUFFER_USED = "pgnotify.buffer.used";

    /** Handler threads that ran past the callback timeout, ignored the interrupt and have not returned. */
    public static final String HANDLERS_STUCK = "pgnotify.handlers.stuck";

    /** {@code pg_notification_queue_usage()} at the last ping, 0 to 1. */
    public static final String SERVER_QUEUE_USAGE = "pgnotify.server.queue.usage";

    /** Completed reconnects since start. */
    public static final String RECONNECTS = "pgnotify.reconnects";

    /** Completed rotations (gapless replacements of the listening session) since start. */
    public static final String ROTATIONS = "pgnotify.rotations";

    private final Notifier notifier;

    /**
     * Creates the gauges' source.
     *
     * @param notifier the notifier to observe
     */
    public PgNotifyConnectionMetrics(Notifier notifier) {
        this.notifier = Objects.requireNonNull(notifier, "'notifier' must not be null");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(CONNECTION_UP, notifier, n -> n.state() == NotifierState.LISTENING ? 1 : 0)
                .description("1 while the listening connection is open and listening, else 0")
                .strongReference(true)
                .register(registry);
        Gauge.builder(BUFFER_USED, notifier, n -> n.status().buffered())
                .description("Notifications received and waiting for their handlers")
                .strongReference(true)
                .register(registry);
        Gauge.builder(HANDLERS_STUCK, notifier, n -> n.status().stuckHandlers())
                .description("Handler threads past the callback timeout that ignored their interrupt and have not"
                        + " returned; each holds one worker, and its subscription is quarantined past the stuck budget")
                .strongReference(true)
                .register(registry);
        Gauge.builder(SERVER_QUEUE_USAGE, notifier, n -> n.status().serverQueueUsage())
                .description("Fill level of the server's notification queue, pg_notification_queue_usage(),"
                        + " sampled at the last ping (0 to 1)")
                .strongReference(true)
                .register(registry);
        FunctionCounter.builder(RECONNECTS, notifier, n -> n.status().reconnects())
                .description("Reconnects of the listening connection after it was lost; notifications sent"
                        + " while disconnected were lost")
                .register(registry);
        FunctionCounter.builder(ROTATIONS, notifier, n -> n.status().rotations())
                .description("Gapless replacements of the listening session (rotate() or max-lifetime); nothing"
                        + " was lost or repeated, and they are not reconnects")
                .register(registry);
    }
}
