package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Recorder;
import io.pgnotify.testing.TestDatabase;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class NotifierLifecycleTests {

    @Test
    void shutdownFinishesBufferedNotificationsAndLeavesNoThreadOrSession() throws Exception {
        Notifier notifier =
                Notifiers.started(b -> b.name("graceful").bufferSize(1000).applicationName("pgnotify-graceful"));
        AtomicInteger handled = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        notifier.subscribe("drain", n -> {
            started.countDown();
            TimeUnit.MILLISECONDS.sleep(2); // simulated work
            handled.incrementAndGet();
        });
        notifier.publishAll(
                "drain", IntStream.range(0, 300).mapToObj(Integer::toString).toList());
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> notifier.status().buffered() > 0);

        assertThat(notifier.shutdown(Duration.ofSeconds(20))).isTrue();

        assertThat(handled).hasValue(300);
        assertThat(notifier.state()).isEqualTo(NotifierState.STOPPED);
        assertNoThreads("graceful");
        assertNoSession("pgnotify-graceful");
    }

    @Test
    void shutdownInterruptsHandlersStillRunningAtTheTimeout() throws Exception {
        Notifier notifier = Notifiers.started(b -> b.name("impatient").callbackTimeout(Duration.ofMinutes(1)));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        notifier.subscribe("long", n -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        notifier.publish("long", "x");
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(notifier.shutdown(Duration.ofMillis(500))).isFalse();

        assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertNoThreads("impatient"));
    }

    @Test
    void shutdownIsIdempotentAndRefusesNewWork() throws Exception {
        Notifier notifier = Notifiers.started(b -> b.name("twice"));

        assertThat(notifier.shutdown(Duration.ofSeconds(5))).isTrue();
        assertThat(notifier.shutdown(Duration.ofSeconds(5))).isTrue();
        notifier.close();

        assertThatIllegalStateException()
                .isThrownBy(() -> notifier.subscribe("late", n -> {}))
                .withMessageContaining("twice")
                .withMessageContaining("STOPPED");
        assertThatIllegalStateException().isThrownBy(() -> notifier.publish("late", "x"));
        assertThatIllegalStateException().isThrownBy(notifier::start);
    }

    @Test
    void aNotifierNeverStartedShutsDownCleanly() {
        Notifier notifier =
                Notifier.builder(Notifiers.provider()).name("unstarted").build();

        assertThat(notifier.shutdown(Duration.ofSeconds(5))).isTrue();

        assertNoThreads("unstarted");
    }

    @Test
    void subscriptionsMadeBeforeStartTakeEffectOnConnect() throws Exception {
        Notifier notifier = Notifier.builder(Notifiers.provider()).name("early").build();
        Recorder recorder = new Recorder();
        notifier.subscribe("early", recorder);
        try {
            notifier.start();
            Notifiers.awaitListening(notifier);
            notifier.publish("early", "x");
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.received.size() == 1);
        } finally {
            notifier.close();
        }
    }

    @Test
    void allChannelsAreListenedToInOneRoundTrip() throws Exception {
        AtomicInteger executes = new AtomicInteger();
        ConnectionProvider counting =
                () -> countingExecutes(Notifiers.provider().getConnection(), executes);
        Notifier notifier = Notifier.builder(counting)
                .name("batched")
                .publisher(Notifiers.provider())
                .build();
        for (int i = 0; i < 200; i++) {
            notifier.subscribe("batch-" + i, n -> {});
        }
        try {
            notifier.start();
            Notifiers.awaitListening(notifier);

            assertThat(notifier.status().listenedChannels()).hasSize(200);
            assertThat(executes).as("statements sent to LISTEN 200 channels").hasValue(1);
        } finally {
            notifier.close();
        }
    }

    @Test
    void concurrentSubscribeUnsubscribeAndPublishDuringTrafficLoseAndCorruptNothing() throws Exception {
        Notifier notifier = Notifiers.started(b -> b.name("concurrent").bufferSize(10_000));
        Recorder steady = new Recorder();
        notifier.subscribe("steady", steady);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Set<String> churned = ConcurrentHashMap.newKeySet();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        String channel = "churn-" + thread + "-" + i;
                        Subscription s = notifier.subscribe(channel, n -> churned.add(n.payload()));
                        notifier.publish(channel, channel);
                        await().atMost(Duration.ofSeconds(10)).until(() -> churned.contains(channel));
                        s.unsubscribe();
                    }
                    return null;
                }));
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 250; i++) {
                        notifier.publish("steady", thread + ":" + i);
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }

            await().atMost(Duration.ofSeconds(10)).until(() -> steady.received.size() == 1000);
            assertThat(churned).hasSize(100);
            for (int t = 0; t < 4; t++) {
                String prefix = t + ":";
                List<String> ofThread = steady.payloads().stream()
                        .filter(p -> p.startsWith(prefix))
                        .toList();
                assertThat(ofThread)
                        .isEqualTo(IntStream.range(0, 250)
                                .mapToObj(i -> prefix + i)
                                .toList());
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> notifier.status().listenedChannels().equals(Set.of("steady")));
            assertThat(notifier.channels()).containsExactly("steady");
        } finally {
            pool.shutdownNow();
            notifier.close();
        }
    }

    static void assertNoThreads(String name) {
        List<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("pgnotify-" + name + "-"))
                .toList();
        assertThat(left).as("threads left by notifier '%s'", name).isEmpty();
    }

    static void assertNoSession(String applicationName) throws Exception {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (Connection c = TestDatabase.shared().connect();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                            + applicationName + "'")) {
                rs.next();
                assertThat(rs.getInt(1))
                        .as("server sessions named %s", applicationName)
                        .isZero();
            }
        });
    }

    /** Wraps a connection to count statements executed through it; unwrap still reaches the driver's. */
    private static Connection countingExecutes(Connection real, AtomicInteger executes) {
        return (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    Object result = method.invoke(real, args);
                    if (method.getName().equals("createStatement") && result instanceof Statement statement) {
                        return Proxy.newProxyInstance(
                                Statement.class.getClassLoader(), new Class<?>[] {Statement.class}, (p, m, a) -> {
                                    if (m.getName().equals("execute")
                                            && a[0] instanceof String sql
                                            && sql.startsWith("LISTEN")) {
                                        executes.incrementAndGet();
                                    }
                                    return m.invoke(statement, a);
                                });
                    }
                    return result;
                });
    }
}
