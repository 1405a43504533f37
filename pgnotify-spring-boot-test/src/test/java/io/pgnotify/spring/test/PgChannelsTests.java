package io.pgnotify.spring.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Waiting until channels are listened to, on a real PostgreSQL. */
class PgChannelsTests {

    @Test
    void returnsOnceTheListenersChannelsAreListenedTo() {
        Applications.onTestDatabase().withBean(Applications.OrderListener.class).run(context -> {
            PgChannels.awaitListening(context, "ts.orders", "ts.audit");

            Notifier notifier = context.getBean(Notifier.class);
            assertThat(notifier.status().state()).isEqualTo(NotifierState.LISTENING);
            assertThat(notifier.status().listenedChannels()).contains("ts.orders", "ts.audit");
        });
    }

    @Test
    void withoutChannelsWaitsForEverySubscribedOne() {
        Applications.onTestDatabase().withBean(Applications.OrderListener.class).run(context -> {
            PgChannels.awaitListening(context);

            assertThat(context.getBean(Notifier.class).status().listenedChannels())
                    .containsAll(context.getBean(Notifier.class).channels());
        });
    }

    @Test
    void aChannelNamedTwiceIsAwaitedOnce() {
        Applications.onTestDatabase()
                .withBean(Applications.OrderListener.class)
                .run(context -> PgChannels.awaitListening(context, "ts.orders", "ts.orders"));
    }

    @Test
    void failsNamingTheChannelNobodySubscribedTo() {
        Applications.onTestDatabase().withBean(Applications.OrderListener.class).run(context -> {
            Notifier notifier = context.getBean(Notifier.class);

            assertThatThrownBy(() -> PgChannels.awaitListening(notifier, Duration.ofMillis(200), "ts.nobody"))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("Notifier 'main' did not listen to [ts.nobody] (state LISTENING")
                    .hasMessageContaining("no subscriber for [ts.nobody]")
                    .hasMessageEndingWith(") within PT0.2S");
        });
    }

    @Test
    void failsAtOnceWhenTheNotifierHasStopped() {
        Applications.onTestDatabase().withBean(Applications.OrderListener.class).run(context -> {
            Notifier notifier = context.getBean(Notifier.class);
            notifier.close();

            long start = System.nanoTime();
            assertThatThrownBy(() -> PgChannels.awaitListening(notifier, Duration.ofSeconds(30), "ts.orders"))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("Notifier 'main' will not listen to [ts.orders] (state STOPPED");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        });
    }
}
