package io.pgnotify.core;

import static io.pgnotify.core.ReliabilityFaultTests.settle;
import static io.pgnotify.core.ReliabilityFaultTests.steady;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgnotify.testing.DeliveryLedger;
import io.pgnotify.testing.TestDatabase;
import io.pgnotify.testing.Traffic;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile names, payloads and handlers, each thrown at a notifier that carries numbered traffic meanwhile: every bad
 * input gets a clear error or correct delivery, and the numbered traffic shows nothing else was lost or disturbed.
 */
class ReliabilityInputTests {

    private final DeliveryLedger ledger = new DeliveryLedger("canary.", 2, Duration.ZERO, new Recording());
    private final Map<String, List<Throwable>> errorsByChannel = new ConcurrentHashMap<>();
    private Notifier notifier;
    private Traffic traffic;

    private final class Recording implements NotifierListener {
        @Override
        public void onError(Throwable error, @Nullable String channel) {
            errorsByChannel
                    .computeIfAbsent(String.valueOf(channel), k -> new CopyOnWriteArrayList<>())
                    .add(error);
        }
    }

    @BeforeEach
    void start() {
        notifier = ReliabilityFaultTests.listening(
                Notifier.builder(Notifiers.provider())
                        .name("hostile")
                        .callbackTimeout(Duration.ofMillis(300))
                        // "hangs" ignores interrupts for 1 s, past 3 timeouts: waited for, not quarantined
                        .stuckHandlerBudget(5)
                        .listener(ledger),
                ledger);
        traffic = new Traffic(ledger, () -> TestDatabase.shared().connect(), 300).start();
    }

    @AfterEach
    void stop() {
        traffic.close();
        notifier.close();
    }

    private static void pgNotify(String channel, String payload) throws SQLException {
        try (Connection c = TestDatabase.shared().connect();
                PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            s.setString(1, channel);
            s.setString(2, payload);
            s.execute();
        }
    }

    private void assertUndisturbed(String scenario, String note) {
        steady(traffic, 100);
        assertThat(notifier.state()).isEqualTo(NotifierState.LISTENING);
        assertThat(ledger.disconnects()).isZero();
        settle(traffic, ledger, scenario, 1, note);
    }

    @Test
    void hostileChannelNamesAreDeliveredExactlyOrRejectedClearly() throws Exception {
        List<String> good = List.of(
                "x".repeat(63),
                "x".repeat(61) + "é", // 63 bytes
                "quote\"inside",
                "\"",
                "it's",
                "back\\slash",
                "\\",
                "with space",
                " leading and trailing ",
                "x\"; UNLISTEN *; LISTEN \"y",
                "'); SELECT pg_sleep(30); --",
                "$$; DROP TABLE pg_class; $$",
                "通知-ünïcödé",
                "😀",
                "MixedCase",
                "mixedcase",
                "MIXEDCASE");
        Map<String, List<String>> received = new ConcurrentHashMap<>();
        for (String channel : good) {
            notifier.subscribe(
                    channel,
                    n -> received.computeIfAbsent(n.channel(), k -> new CopyOnWriteArrayList<>())
                            .add(n.payload()));
        }
        assertThat(notifier.status().listenedChannels()).containsAll(good);
        for (int round = 0; round < 3; round++) {
            for (String channel : good) {
                notifier.publish(channel, "api-" + round);
                pgNotify(channel, "raw-" + round);
                notifier.publishAll(channel, List.of("all-" + round + "a", "all-" + round + "b"));
            }
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> received.values().stream().mapToInt(List::size).sum() == good.size() * 12);
        for (String channel : good) {
            List<String> expected = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                expected.addAll(List.of("api-" + round, "raw-" + round, "all-" + round + "a", "all-" + round + "b"));
            }
            assertThat(received.get(channel)).as("channel [%s]", channel).isEqualTo(expected);
        }

        assertThatIllegalArgumentException()
                .isThrownBy(() -> notifier.subscribe("", n -> {}))
                .withMessageContaining("empty");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> notifier.publish("", "p"))
                .withMessageContaining("empty");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> notifier.subscribe("x".repeat(64), n -> {}))
                .withMessageContaining("64 bytes")
                .withMessageContaining("63");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> notifier.subscribe("x".repeat(62) + "é", n -> {}))
                .withMessageContaining("64 bytes");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> notifier.publishAll("x".repeat(62) + "é", List.of("p")))
                .withMessageContaining("64 bytes");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> notifier.subscribe("nul\0byte", n -> {}))
                .withMessageContaining("NUL");
        assertThat(notifier.channels()).containsExactlyInAnyOrderElementsOf(withCanaries(good));
        assertUndisturbed(
                "hostile channel names (17 accepted x 3 rounds x 3 publish paths, 6 rejected)",
                "quotes, backslashes, spaces, SQL, unicode, 63/64 bytes, mixed case");
    }

    private List<String> withCanaries(List<String> channels) {
        List<String> all = new ArrayList<>(channels);
        all.add(ledger.channel(0));
        all.add(ledger.channel(1));
        return all;
    }

    @Test
    void payloadsAtAndAcrossTheLimitAreDeliveredIntactOrRejectedBeforeSending() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        notifier.subscribe("sizes", n -> received.add(n.payload()));
        List<String> good = List.of(
                "",
                "a".repeat(7999),
                "é".repeat(3999) + "a", // 7999 bytes in 2-byte characters
                "€".repeat(2666) + "a", // 7999 bytes in 3-byte characters
                "😀".repeat(1999) + "abc", // 7999 bytes in 4-byte characters
                "quote ' \" \\ ; -- $$ \n\t newline and tab");
        List<String> bad =
                List.of("a".repeat(8000), "é".repeat(4000), "€".repeat(2666) + "ab", "😀".repeat(1999) + "abcd");
        for (int r = 0; r < 3; r++) {
            int round = r;
            for (String payload : good) {
                notifier.publish("sizes", payload);
            }
            for (String payload : bad) {
                assertThatIllegalArgumentException()
                        .isThrownBy(() -> notifier.publish("sizes", payload))
                        .withMessageContaining("8000 bytes")
                        .withMessageContaining("7999");
            }
            // The all-or-nothing batch: one bad payload and nothing of it is sent.
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> notifier.publishAll("sizes", List.of("ok", bad.get(round))));
        }
        assertThatNullPointerException()
                .isThrownBy(() -> notifier.publish("sizes", null))
                .withMessageContaining("'sizes'");
        // The server's own check, for a publisher that does not check: the listener is not affected.
        assertThatThrownBy(() -> pgNotify("sizes", "a".repeat(8000)))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("payload string too long");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == good.size() * 3);
        List<String> expected = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            expected.addAll(good);
        }
        assertThat(received).isEqualTo(expected);
        assertUndisturbed(
                "payloads: empty, 7999 bytes in 1-4 byte characters; 8000 bytes rejected; null rejected",
                "3 rounds; 6 delivered intact, 5 rejected before sending each round; server rejects 8000 too");
    }

    @Test
    void misbehavingHandlersAreContainedAndDisturbNothingElse() throws Exception {
        int count = 20;
        // Throws: every error reported with its channel; the channel goes on, in order.
        List<String> afterThrow = new CopyOnWriteArrayList<>();
        AtomicInteger thrown = new AtomicInteger();
        notifier.subscribe("throws", n -> {
            afterThrow.add(n.payload());
            switch (thrown.incrementAndGet() % 3) {
                case 0 -> throw new IllegalStateException("handler bug " + n.payload());
                case 1 -> throw new java.io.IOException("checked " + n.payload());
                default -> throw new AssertionError("error " + n.payload());
            }
        });
        // Hangs past the callback timeout on every fifth notification, ignoring interruption for a while.
        List<String> hangs = new CopyOnWriteArrayList<>();
        notifier.subscribe("hangs", n -> {
            if (Integer.parseInt(n.payload()) % 5 == 0) {
                long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                while (System.nanoTime() < until) {
                    try {
                        Thread.sleep(50); // simulated stuck work that swallows interrupts
                    } catch (InterruptedException ignored) {
                        // a handler that ignores interruption
                    }
                }
            }
            hangs.add(n.payload());
        });
        // Publishes from inside the handler: a reply on another channel and a bounded chain on its own.
        List<String> replies = new CopyOnWriteArrayList<>();
        notifier.subscribe("replies", n -> replies.add(n.payload()));
        AtomicReference<Notifier> self = new AtomicReference<>(notifier);
        List<String> chain = new CopyOnWriteArrayList<>();
        notifier.subscribe("asks", n -> self.get().publish("replies", "re:" + n.payload()));
        notifier.subscribe("chain", n -> {
            chain.add(n.payload());
            int next = Integer.parseInt(n.payload()) + 1;
            if (next < count) {
                self.get().publish("chain", Integer.toString(next));
            }
        });
        // Unsubscribes itself after the first; a second handler on the channel keeps getting everything; a sole
        // handler that unsubscribes itself takes its channel out of LISTEN.
        List<String> quitter = new CopyOnWriteArrayList<>();
        List<String> stayer = new CopyOnWriteArrayList<>();
        AtomicReference<Subscription> quitting = new AtomicReference<>();
        quitting.set(notifier.subscribe("quits", n -> {
            quitter.add(n.payload());
            quitting.get().unsubscribe();
        }));
        notifier.subscribe("quits", n -> stayer.add(n.payload()));
        AtomicReference<Subscription> alone = new AtomicReference<>();
        List<String> aloneGot = new CopyOnWriteArrayList<>();
        alone.set(notifier.subscribe("alone", n -> {
            aloneGot.add(n.payload());
            alone.get().unsubscribe();
        }));

        List<String> numbers =
                IntStream.range(0, count).mapToObj(Integer::toString).toList();
        notifier.publish("chain", "0");
        for (String n : numbers) {
            notifier.publish("throws", n);
            notifier.publish("hangs", n);
            notifier.publish("asks", n);
            notifier.publish("quits", n);
            notifier.publish("alone", n);
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> afterThrow.size() == count
                        && hangs.size() == count
                        && replies.size() == count
                        && chain.size() == count
                        && stayer.size() == count);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !notifier.status().listenedChannels().contains("alone"));

        assertThat(afterThrow).isEqualTo(numbers);
        assertThat(errorsByChannel.get("throws")).hasSize(count);
        assertThat(errorsByChannel.get("hangs"))
                .hasSize(count / 5)
                .allSatisfy(e -> assertThat(e).isInstanceOf(HandlerTimeoutException.class));
        assertThat(hangs).containsExactlyInAnyOrderElementsOf(numbers);
        assertThat(replies).isEqualTo(numbers.stream().map(n -> "re:" + n).toList());
        assertThat(chain).isEqualTo(numbers);
        assertThat(quitter).containsExactly("0");
        assertThat(stayer).isEqualTo(numbers);
        assertThat(aloneGot).containsExactly("0");
        assertThat(notifier.channels()).doesNotContain("alone").contains("quits");
        assertUndisturbed(
                "misbehaving handlers: throw, hang past the timeout, publish from inside, unsubscribe themselves",
                count + " notifications each; errors and timeouts reported per channel");
    }
}
