package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Which thread runs a @PgListener method: virtual with spring.threads.virtual.enabled on Java 21+, else platform. */
class PgListenerThreadsTests {

    private final ApplicationContextRunner contextRunner =
            TestApplications.onTestDatabase().withBean(Listener.class);

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void listenerMethodsRunOnVirtualThreadsWhenSpringUsesThem() {
        contextRunner.withPropertyValues("spring.threads.virtual.enabled=true").run(context -> {
            Thread thread = handlerThread(
                    context.getBean(Notifier.class),
                    context.getBean(PgNotifyTemplate.class),
                    context.getBean(Listener.class));

            assertThat(Thread.class.getMethod("isVirtual").invoke(thread)).isEqualTo(true);
            assertThat(thread.getName()).startsWith(PgNotifyThreading.HANDLER_THREAD_PREFIX);
        });
    }

    @Test
    void listenerMethodsRunOnPlatformThreadsWhenSpringDoesNotUseVirtualThreads() {
        contextRunner.withPropertyValues("spring.threads.virtual.enabled=false").run(context -> {
            Thread thread = handlerThread(
                    context.getBean(Notifier.class),
                    context.getBean(PgNotifyTemplate.class),
                    context.getBean(Listener.class));

            assertThat(thread.isDaemon()).isTrue();
            assertThat(thread.getName()).doesNotStartWith(PgNotifyThreading.HANDLER_THREAD_PREFIX);
            if (Runtime.version().feature() >= 21) {
                assertThat(Thread.class.getMethod("isVirtual").invoke(thread)).isEqualTo(false);
            }
        });
    }

    private static Thread handlerThread(Notifier notifier, PgNotifyTemplate template, Listener listener)
            throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> notifier.state() == NotifierState.LISTENING);
        template.publish("threads-channel", "which thread");
        return listener.thread.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    static class Listener {

        final CompletableFuture<Thread> thread = new CompletableFuture<>();

        @PgListener("threads-channel")
        void onMessage(String payload) {
            thread.complete(Thread.currentThread());
        }
    }
}
