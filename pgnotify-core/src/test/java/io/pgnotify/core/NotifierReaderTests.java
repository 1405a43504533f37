package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Events;
import io.pgnotify.core.Notifiers.Recorder;
import io.pgnotify.testing.TcpProxy;
import io.pgnotify.testing.TestDatabase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The reader of the listening connection: stuck inside a message, reading at shutdown, failing unexpectedly. */
class NotifierReaderTests {

    @Test
    void aReaderStuckInsideAHalfReceivedMessageIsAbortedAndTheGapAnnounced() throws Exception {
        // Over TLS the cut byte is part of a TLS record, read with the socket's timeout: the reader is never stuck
        // there, and the silence is found by the ping (NotifierSilentNetworkTests); this case is plain TCP's.
        Assumptions.assumeFalse(
                Boolean.getBoolean("pgnotify.test.tls"), "a half message blocks pgjdbc's reader on plain TCP only");
        TestDatabase db = TestDatabase.shared();
        int port = Integer.parseInt(db.url().replaceFirst("^jdbc:postgresql://[^:/]+:(\\d+)/.*$", "$1"));
        try (TcpProxy proxy = new TcpProxy(port)) {
            ConnectionProvider viaProxy = ConnectionProvider.of(
                    db.url().replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/"), db.user(), db.password());
            Events events = new Events();
            Recorder recorder = new Recorder();
            try (Notifier notifier = Notifier.builder(viaProxy)
                    .name("half-message")
                    .publisher(Notifiers.provider())
                    // no ping or probe during the test: only the watchdog can notice the stuck reader
                    .pingInterval(Duration.ofSeconds(60))
                    .pingTimeout(Duration.ofSeconds(1))
                    .reconnectInterval(Duration.ofMillis(100))
                    .maxReconnectInterval(Duration.ofMillis(200))
                    .listener(events)
                    .build()) {
                notifier.subscribe("half.a", recorder);
                notifier.start();
                Notifiers.awaitListening(notifier);

                proxy.cutMidMessage();
                notifier.publish("half.a", "cut in the middle");
                // pgjdbc reads the rest of a begun message without a timeout: the watchdog must abort it within the
                // reader's longest wait plus the ping timeout
                try {
                    await().atMost(Duration.ofSeconds(6))
                            .until(() -> !notifier.status().healthy());
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("Still healthy: " + notifier.status() + "\n" + threads(), e);
                }
                await().atMost(Duration.ofSeconds(6)).until(() -> events.log.contains("disconnect"));

                proxy.restore();
                await().atMost(Duration.ofSeconds(20)).until(() -> events.reconnects.size() == 1);
                notifier.publish("half.a", "after");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> recorder.payloads().contains("after"));
            }
        }
    }

    @Test
    void notificationsReadWithTheUnlistenResponseAtShutdownAreDelivered() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        CountDownLatch stopping = new CountDownLatch(1);
        try (Notifier notifier = Notifiers.started(b -> b.name("drain-at-stop").bufferSize(100))) {
            notifier.subscribe("drain.a", n -> {
                // holds the listener on the full buffer until the stop has begun
                stopping.await(30, TimeUnit.SECONDS);
                handled.incrementAndGet();
            });
            notifier.publishAll("drain.a", numbers(0, 200));
            await().atMost(Duration.ofSeconds(10)).until(() -> notifier.status().buffered() >= 100);
            // sent while the listener is held: they wait unread in the socket until the UNLISTEN's response
            notifier.publishAll("drain.a", numbers(200, 1200));
            CompletableFuture<Boolean> stopped =
                    CompletableFuture.supplyAsync(() -> notifier.stop(Duration.ofSeconds(30)));
            await().atMost(Duration.ofSeconds(10)).until(() -> notifier.state() == NotifierState.STOPPING);
            stopping.countDown();
            assertThat(stopped.get(40, TimeUnit.SECONDS)).isTrue();
            assertThat(handled.get()).isEqualTo(1200);
        }
    }

    /** Where the notifier's and the proxy's threads are, for a failure's message. */
    private static String threads() {
        StringBuilder dump = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread.getName().startsWith("pgnotify-") || thread.getName().startsWith("tcp-proxy-")) {
                dump.append(thread.getName())
                        .append(' ')
                        .append(thread.getState())
                        .append('\n');
                for (int i = 0; i < Math.min(12, stack.length); i++) {
                    dump.append("    at ").append(stack[i]).append('\n');
                }
            }
        });
        return dump.toString();
    }

    private static List<String> numbers(int from, int to) {
        List<String> payloads = new ArrayList<>();
        for (int i = from; i < to; i++) {
            payloads.add(Integer.toString(i));
        }
        return payloads;
    }

    @Test
    void anUnexpectedErrorOnTheListenerThreadEndsInFailedWithItsCauseReported() throws Exception {
        AtomicBoolean broken = new AtomicBoolean();
        ConnectionProvider direct = Notifiers.provider();
        ConnectionProvider breaking = () -> {
            Connection real = direct.getConnection();
            return (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (broken.get() && method.getName().equals("createStatement")) {
                            throw new NoSuchMethodError("simulated: a driver upgrade without its dependencies");
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        };
        Events events = new Events();
        try (Notifier notifier = Notifier.builder(breaking)
                .name("linkage-error")
                .publisher(direct)
                .pingInterval(Duration.ofMillis(300))
                .reconnectInterval(Duration.ofMillis(100))
                .maxReconnectInterval(Duration.ofMillis(200))
                .listener(events)
                .build()) {
            notifier.subscribe("linkage.a", n -> {});
            notifier.start();
            Notifiers.awaitListening(notifier);

            broken.set(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> notifier.state() == NotifierState.FAILED);
            assertThat(notifier.status().lastError()).contains("NoSuchMethodError");
            assertThat(notifier.status().healthy()).isFalse();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> events.errors.stream().anyMatch(e -> e instanceof NoSuchMethodError));
        }
    }
}
