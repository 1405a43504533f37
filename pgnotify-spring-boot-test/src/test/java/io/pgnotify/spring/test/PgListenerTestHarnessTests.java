package io.pgnotify.spring.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Configuration;

/** Waiting for a given @PgListener method to be called, on a real PostgreSQL. */
class PgListenerTestHarnessTests {

    @Test
    void returnsTheCallOfTheListenerWithThatId() {
        run(harness -> {
            harness.awaitListening("ts.orders");
            TestDatabase.shared().execute("NOTIFY \"ts.orders\", 'order-42'");

            PgListenerTestHarness.Invocation call = harness.awaitNextInvocation("orders");

            assertThat(call.listenerId()).isEqualTo("orders");
            assertThat(call.notification().channel()).isEqualTo("ts.orders");
            assertThat(call.notification().payload()).isEqualTo("order-42");
            assertThat(call.succeeded()).isTrue();
            assertThat(call.duration()).isPositive();
        });
    }

    @Test
    void returnsEachCallOnceInOrder() {
        run(harness -> {
            harness.awaitListening();
            for (int i = 1; i <= 5; i++) {
                TestDatabase.shared().execute("NOTIFY \"ts.orders\", 'seq-" + i + "'");
            }

            for (int i = 1; i <= 5; i++) {
                assertThat(harness.awaitNextInvocation("orders").notification().payload())
                        .isEqualTo("seq-" + i);
            }
            assertThat(harness.invocations("orders")).hasSize(5);
        });
    }

    @Test
    void reportsWhatTheListenerThrew() {
        run(harness -> {
            harness.awaitListening("ts.orders");
            TestDatabase.shared().execute("NOTIFY \"ts.orders\", 'fail'");

            PgListenerTestHarness.Invocation call = harness.awaitNextInvocation("orders");

            assertThat(call.succeeded()).isFalse();
            assertThat(call.error()).isInstanceOf(IllegalStateException.class).hasMessage("refused order fail");
        });
    }

    @Test
    void tellsListenersApartByIdAndKnowsTheDefaultId() {
        run(harness -> {
            harness.awaitListening();
            TestDatabase.shared().execute("NOTIFY \"ts.audit\", 'a-1'");
            TestDatabase.shared().execute("NOTIFY \"ts.orders\", 'o-1'");

            assertThat(harness.awaitNextInvocation("orderListener#onAudit")
                            .notification()
                            .payload())
                    .isEqualTo("a-1");
            List<PgListenerTestHarness.Invocation> orders = harness.awaitInvocations("orders", 1);
            assertThat(orders).extracting(c -> c.notification().payload()).containsExactly("o-1");
        });
    }

    @Test
    void failsForAnUnknownIdNamingTheKnownOnes() {
        run(harness -> assertThatThrownBy(() -> harness.awaitNextInvocation("ordrs"))
                .isInstanceOf(AssertionError.class)
                .hasMessage("No @PgListener has the id 'ordrs'; the ids are [orderListener#onAudit, orders]"));
    }

    @Test
    void failsWhenTheListenerIsNotCalledInTime() {
        run(harness -> assertThatThrownBy(() -> harness.awaitNextInvocation("orders", Duration.ofMillis(200)))
                .isInstanceOf(AssertionError.class)
                .hasMessage("@PgListener 'orders' got no call 1 within PT0.2S; it was called 0 time(s)"));
    }

    private static void run(HarnessTest test) {
        Applications.onTestDatabase()
                .withBean("orderListener", Applications.OrderListener.class)
                .withUserConfiguration(WithHarness.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    test.run(context.getBean(PgListenerTestHarness.class));
                });
    }

    @FunctionalInterface
    interface HarnessTest {
        void run(PgListenerTestHarness harness) throws Exception;
    }

    @Configuration(proxyBeanMethods = false)
    @EnablePgListenerTestHarness
    static class WithHarness {}
}
