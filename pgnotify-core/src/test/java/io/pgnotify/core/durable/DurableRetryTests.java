package io.pgnotify.core.durable;

import static io.pgnotify.core.durable.DurableFixture.publish;
import static io.pgnotify.core.durable.DurableFixture.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Guarantee 6: failing messages are retried with backoff, dead-lettered after max-attempts, and re-driven. */
class DurableRetryTests {

    private final DurableFixture fixture = new DurableFixture();

    @BeforeAll
    static void schema() {
        DurableFixture.installSchema();
    }

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    @Test
    void aFailingMessageIsRetriedWithBackoffThenDeadLetteredAndTheGroupMovesOn() throws Exception {
        String channel = unique("poison");
        List<String> seen = new CopyOnWriteArrayList<>();
        List<Long> failedAt = new CopyOnWriteArrayList<>();
        List<String> events = new CopyOnWriteArrayList<>();
        AtomicBoolean poisonous = new AtomicBoolean(true);
        DurableChannels durable = fixture.durable(b -> b.maxAttempts(3)
                .retryBackoff(new RetryBackoff(Duration.ofMillis(100), 2.0, Duration.ofMillis(300)))
                .listener(new DurableListener() {
                    @Override
                    public void onRetry(String group, DurableMessage message, Throwable error) {
                        events.add("retry " + message.payload() + " " + message.attempt());
                    }

                    @Override
                    public void onDeadLetter(String group, DurableMessage message, Throwable error) {
                        events.add("dead " + message.payload() + " " + message.attempt());
                    }
                }));
        durable.subscribe(channel, "g", message -> {
            seen.add(message.payload() + "#" + message.attempt());
            if (message.payload().equals("poison") && poisonous.get()) {
                failedAt.add(System.nanoTime());
                throw new IllegalStateException("cannot digest " + message.id());
            }
        });
        durable.start();
        publish(channel, "a");
        long poisonId = publish(channel, "poison");
        publish(channel, "b");

        await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("b#1"));
        assertThat(seen).containsExactly("a#1", "poison#1", "poison#2", "poison#3", "b#1");
        assertThat(events).containsExactly("retry poison 1", "retry poison 2", "dead poison 3");
        assertThat(Duration.ofNanos(failedAt.get(1) - failedAt.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(100));
        assertThat(Duration.ofNanos(failedAt.get(2) - failedAt.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(200));

        List<DeadLetter> dead = durable.deadLetters(channel, "g", 10);
        assertThat(dead).singleElement().satisfies(letter -> {
            assertThat(letter.message().id()).isEqualTo(poisonId);
            assertThat(letter.message().attempt()).isEqualTo(3);
            assertThat(letter.lastError()).contains("cannot digest " + poisonId);
        });
        assertThat(durable.groups())
                .filteredOn(s -> s.channel().equals(channel))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.deadLetters()).isEqualTo(1);
                    assertThat(s.lag()).isZero();
                });

        poisonous.set(false);
        assertThat(durable.redrive(channel, "g", poisonId)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("poison#1") && seen.size() == 6);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> durable.deadLetters(channel, "g", 10).isEmpty());
    }

    @Test
    void aMessageThatFailsOnceIsRetriedAndThenDeliveredInOrder() throws Exception {
        String channel = unique("flaky");
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicBoolean failOnce = new AtomicBoolean(true);
        DurableChannels durable = fixture.durable(b -> b.maxAttempts(5));
        durable.subscribe(channel, "g", message -> {
            seen.add(message.payload() + "#" + message.attempt());
            if (message.payload().equals("1") && failOnce.getAndSet(false)) {
                throw new IllegalStateException("transient");
            }
        });
        durable.start();
        for (int i = 0; i < 4; i++) {
            publish(channel, Integer.toString(i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 5);
        assertThat(seen).containsExactly("0#1", "1#1", "1#2", "2#1", "3#1");
        assertThat(durable.deadLetters(channel, "g", 10)).isEmpty();
    }
}
