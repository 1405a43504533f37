package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import io.pgnotify.spring.PgNotifyReconnectedEvent;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/** Starting, reconnecting and stopping with the application context, on a real PostgreSQL. */
class PgNotifyLifecycleTests {

    private final ApplicationContextRunner contextRunner =
            TestApplications.onTestDatabase().withUserConfiguration(LifecycleListeners.class);

    @Test
    void reconnectsAfterTheListeningSessionIsTerminatedAndPublishesAnEvent() {
        contextRunner
                .withPropertyValues("pgnotify.listener.application-name=pgnotify-lc-reconnect")
                .run(context -> {
                    awaitListening(context.getBean(Notifier.class));
                    LifecycleListeners listeners = context.getBean(LifecycleListeners.class);
                    TestDatabase.shared()
                            .execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                    + " WHERE application_name = 'pgnotify-lc-reconnect'");
                    await().atMost(Duration.ofSeconds(15)).until(() -> !listeners.reconnects.isEmpty());
                    PgNotifyReconnectedEvent event = listeners.reconnects.peek();
                    assertThat(event.attempts()).isGreaterThanOrEqualTo(1);
                    assertThat(event.downtime()).isPositive();
                    assertThat(event.notifier()).isSameAs(context.getBean(Notifier.class));
                    context.getBean(PgNotifyTemplate.class).publish("lc-load", "after-reconnect");
                    await().atMost(Duration.ofSeconds(10)).until(() -> listeners.finished.get() >= 1);
                });
    }

    @Test
    void interruptsAListenerThatRunsPastTheCallbackTimeoutAndMovesOn() {
        contextRunner.withPropertyValues("pgnotify.callback-timeout=300ms").run(context -> {
            awaitListening(context.getBean(Notifier.class));
            LifecycleListeners listeners = context.getBean(LifecycleListeners.class);
            PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
            template.publish("lc-slow", "stuck");
            template.publish("lc-slow", "next");
            await().atMost(Duration.ofSeconds(10)).until(() -> listeners.slow.contains("interrupted:stuck"));
            await().atMost(Duration.ofSeconds(10)).until(() -> listeners.slow.contains("done:next"));
        });
    }

    @Test
    void stopsWithoutBlockingTheCallerAndCallsBackOnlyOnceReallyStopped() {
        contextRunner.run(context -> {
            Notifier notifier = context.getBean(Notifier.class);
            awaitListening(notifier);
            LifecycleListeners listeners = context.getBean(LifecycleListeners.class);
            context.getBean(PgNotifyTemplate.class).publish("lc-blocking", "hold");
            assertThat(listeners.entered.await(10, TimeUnit.SECONDS)).isTrue();

            CountDownLatch stopped = new CountDownLatch(1);
            long start = System.nanoTime();
            context.getBean(PgListenerEndpointRegistry.class).stop(stopped::countDown);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            assertThat(stopped.getCount()).isEqualTo(1);
            assertThat(context.getBean(PgListenerEndpointRegistry.class).isRunning())
                    .isFalse();

            listeners.release.countDown();
            assertThat(stopped.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(notifier.state()).isEqualTo(NotifierState.STOPPED);
            assertThat(listeners.blockingCompleted).isTrue();
        });
    }

    @Test
    void shutsDownGracefullyUnderLoadLeavingNoThreadOrSession() throws Exception {
        AtomicBoolean publishing = new AtomicBoolean(true);
        Queue<Throwable> publishFailures = new ConcurrentLinkedQueue<>();
        contextRunner
                // Everything read before the UNLISTEN at close is handled, 2 ms each: with the publisher flooding, the
                // socket holds a thousand or more, 2-3.5 s of work here and more on a loaded machine. The timeout is
                // there to be met, not raced: past it, shutdown interrupts the handlers this test counts.
                .withPropertyValues(
                        "pgnotify.listener.application-name=pgnotify-lc-shutdown", "pgnotify.shutdown-timeout=30s")
                .run(context -> {
                    Notifier notifier = context.getBean(Notifier.class);
                    awaitListening(notifier);
                    LifecycleListeners listeners = context.getBean(LifecycleListeners.class);
                    PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
                    Thread publisher = new Thread(
                            () -> {
                                int i = 0;
                                while (publishing.get()) {
                                    try {
                                        template.publish("lc-load", Integer.toString(i++));
                                    } catch (RuntimeException e) {
                                        publishFailures.add(e);
                                    }
                                }
                            },
                            "lc-publisher");
                    publisher.start();
                    await().atMost(Duration.ofSeconds(10)).until(() -> listeners.finished.get() >= 50);

                    context.close();
                    publishing.set(false);
                    publisher.join(10_000);

                    assertThat(notifier.state()).isEqualTo(NotifierState.STOPPED);
                    assertThat(listeners.interrupted.get()).isZero();
                    assertThat(listeners.finished.get()).isEqualTo(listeners.started.get());
                    await().atMost(Duration.ofSeconds(10))
                            .untilAsserted(() -> assertThat(
                                            Thread.getAllStackTraces().keySet())
                                    .filteredOn(t ->
                                            t.isAlive() && t.getName().startsWith("pgnotify-" + notifier.name() + "-"))
                                    .isEmpty());
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> PgNotifyAutoConfigurationTests.sessionsNamed("pgnotify-lc-shutdown") == 0);
                });
    }

    private static void awaitListening(Notifier notifier) {
        await().atMost(Duration.ofSeconds(10)).until(() -> notifier.state() == NotifierState.LISTENING);
    }

    @Configuration(proxyBeanMethods = false)
    static class LifecycleListeners {

        final Queue<PgNotifyReconnectedEvent> reconnects = new ConcurrentLinkedQueue<>();
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Queue<String> slow = new ConcurrentLinkedQueue<>();
        volatile boolean blockingCompleted;

        @EventListener
        void onReconnected(PgNotifyReconnectedEvent event) {
            reconnects.add(event);
        }

        @PgListener("lc-load")
        void load(String payload) {
            started.incrementAndGet();
            // Simulates a little work, so that shutdown finds handlers in flight.
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
            if (Thread.currentThread().isInterrupted()) {
                interrupted.incrementAndGet();
            }
            finished.incrementAndGet();
        }

        @PgListener("lc-slow")
        void slow(String payload) {
            if (payload.equals("stuck")) {
                try {
                    new CountDownLatch(1).await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    slow.add("interrupted:" + payload);
                    return;
                }
            }
            slow.add("done:" + payload);
        }

        @PgListener("lc-blocking")
        void blocking(String payload) throws InterruptedException {
            entered.countDown();
            if (release.await(10, TimeUnit.SECONDS)) {
                blockingCompleted = true;
            }
        }
    }
}
