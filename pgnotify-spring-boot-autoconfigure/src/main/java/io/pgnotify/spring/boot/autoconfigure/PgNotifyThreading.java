package io.pgnotify.spring.boot.autoconfigure;

import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.thread.Threading;
import org.springframework.core.env.Environment;
import org.springframework.core.task.VirtualThreadTaskExecutor;

/**
 * Which threads run the {@code @PgListener} methods: virtual threads when {@code spring.threads.virtual.enabled=true}
 * on Java 21 or later ({@link Threading#VIRTUAL}), else the engine's own platform threads.
 *
 * <p>Decided when the notifier is built, from the environment of that run, never by a condition: conditions are frozen
 * into an application processed ahead of time, while the JVM and the property may differ where it runs.
 */
final class PgNotifyThreading {

    static final String HANDLER_THREAD_PREFIX = "pgnotify-handler-";

    private PgNotifyThreading() {}

    /**
     * Whether handlers should run on virtual threads in this environment.
     *
     * @param environment the application's environment
     * @return {@code true} with {@code spring.threads.virtual.enabled=true} on Java 21+
     */
    static boolean virtual(Environment environment) {
        return Threading.VIRTUAL.isActive(environment);
    }

    /**
     * The thread factory for handler workers: virtual threads named {@value #HANDLER_THREAD_PREFIX}{@code N} when
     * {@link #virtual} holds, {@code null} (the engine's platform threads) otherwise.
     *
     * @param environment the application's environment
     * @return the factory, or {@code null}
     */
    static @Nullable ThreadFactory handlerThreadFactory(Environment environment) {
        if (!virtual(environment)) {
            return null;
        }
        return new VirtualThreadTaskExecutor(HANDLER_THREAD_PREFIX).getVirtualThreadFactory();
    }
}
