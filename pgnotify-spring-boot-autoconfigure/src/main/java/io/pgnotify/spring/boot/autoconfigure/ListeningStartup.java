package io.pgnotify.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Holds the end of the application's startup until the notifier listens to every channel, for at most the ping
 * timeout. LISTEN takes effect asynchronously, and delivery is at most once: without this, a notification sent as soon
 * as the application is up (by an {@code ApplicationReadyEvent} listener, a test, another instance) could be missed.
 */
final class ListeningStartup implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ListeningStartup.class);

    private final CountDownLatch connected = new CountDownLatch(1);
    private final Duration timeout;
    private final int phase;
    // Armed only when the auto-configured notifier reports its connections here; another notifier never would.
    private volatile boolean armed;
    private volatile boolean running;

    ListeningStartup(Duration timeout, int registryPhase) {
        this.timeout = timeout;
        this.phase = registryPhase + 1;
    }

    void arm() {
        armed = true;
    }

    void connected() {
        connected.countDown();
    }

    @Override
    public void start() {
        running = true;
        if (!armed) {
            return;
        }
        try {
            if (!connected.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                log.warn(
                        "pgnotify is not listening yet after {}; the application starts anyway and notifications sent"
                                + " before the listening connection is up are missed",
                        timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Right after the registry has started the notifier. */
    @Override
    public int getPhase() {
        return phase;
    }
}
