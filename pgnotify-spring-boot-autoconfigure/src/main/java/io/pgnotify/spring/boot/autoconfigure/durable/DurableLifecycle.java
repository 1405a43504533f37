package io.pgnotify.spring.boot.autoconfigure.durable;

import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.spring.durable.PgDurableListenerAnnotationBeanPostProcessor;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the durable consumers once the context is refreshed (after the schema is validated) and stops them, each
 * finishing its message and releasing its lease, before the notifier closes.
 */
final class DurableLifecycle implements SmartLifecycle {

    private final DurableChannels durable;
    private final DurableSchemaInitializer schema;
    private final PgDurableListenerAnnotationBeanPostProcessor listeners;
    private volatile boolean running;

    DurableLifecycle(
            DurableChannels durable,
            DurableSchemaInitializer schema,
            PgDurableListenerAnnotationBeanPostProcessor listeners) {
        this.durable = durable;
        this.schema = schema;
        this.listeners = listeners;
    }

    @Override
    public void start() {
        if (listeners.hasListeners()) {
            schema.validate();
        }
        durable.start();
        running = true;
    }

    @Override
    public void stop() {
        durable.close();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // Inside the notifier's phase: stopped before it, so consumers let go of their leases while it still runs.
        return SmartLifecycle.DEFAULT_PHASE - 1024;
    }
}
