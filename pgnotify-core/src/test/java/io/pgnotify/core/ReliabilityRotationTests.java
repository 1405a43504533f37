package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.testing.DeliveryLedger;
import io.pgnotify.testing.PrivateDatabase;
import io.pgnotify.testing.Traffic;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rotations under sequence-numbered traffic: without faults nothing is lost, repeated or reordered and no reconnect is
 * announced; with the new connection refused, its LISTEN failing or the old backend killed mid-rotation, the rule of
 * the other reliability tests holds (a loss only inside an announced gap). The steady run lasts
 * {@code -Dpgnotify.rotation.seconds} (default 20; the figure in docs/reliability.md is from 60).
 */
class ReliabilityRotationTests {

    private static PrivateDatabase db;

    @BeforeAll
    static void startServer() {
        db = PrivateDatabase.start();
    }

    @AfterAll
    static void stopServer() {
        db.close();
    }

    private static ConnectionProvider direct() {
        return ConnectionProvider.of(db.url(), db.user(), db.password());
    }

    private static Notifier.Builder builder(String name, ConnectionProvider provider, DeliveryLedger ledger) {
        return Notifier.builder(provider)
                .name(name)
                .applicationName("pgnotify-" + name)
                .publisher(direct())
                .reconnectInterval(Duration.ofMillis(100))
                .maxReconnectInterval(Duration.ofMillis(500))
                .bufferSize(50_000)
                .listener(ledger);
    }

    @Test
    void rotatingEvery200MsUnderSteadyTrafficLosesRepeatsAndReordersNothing() throws Exception {
        long seconds = Long.getLong("pgnotify.rotation.seconds", 20);
        // Two publishing threads (one sends at most ~3000/s here), each with its own channels and sequence numbers.
        DeliveryLedger second = new DeliveryLedger("rotatedB.", 4);
        DeliveryLedger ledger = new DeliveryLedger("rotated.", 4, Duration.ZERO, second);
        int rotations = 0;
        Notifier notifier = builder("rotating", direct(), ledger).build();
        for (int i = 0; i < ledger.channels(); i++) {
            notifier.subscribe(ledger.channel(i), ledger.handler(i));
            notifier.subscribe(second.channel(i), second.handler(i));
        }
        notifier.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> ledger.listening() && second.listening());
        try (notifier;
                Traffic traffic = new Traffic(ledger, db::connect, 2500).start();
                Traffic more = new Traffic(second, db::connect, 2500).start()) {
            ReliabilityFaultTests.steady(traffic, 1000);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long next = System.nanoTime();
            while (System.nanoTime() - end < 0) {
                notifier.rotate().get(10, TimeUnit.SECONDS);
                rotations++;
                next += TimeUnit.MILLISECONDS.toNanos(200);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    // pacing the rotations, not waiting for a result
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
            assertThat(notifier.status().rotations()).isEqualTo(rotations);
            long perSecond = (traffic.committed() + more.committed()) / seconds;
            for (DeliveryLedger each : new DeliveryLedger[] {ledger, second}) {
                DeliveryLedger.Result result = ReliabilityFaultTests.settle(
                        each == ledger ? traffic : more,
                        each,
                        "rotation every 200 ms under " + perSecond + "/s in all (" + seconds + " s), channels "
                                + each.channel(0) + "..",
                        rotations,
                        "8 channels, two publishers; 0 reconnects expected");
                assertThat(result.inGap()).isZero();
                assertThat(each.disconnects()).isZero();
                assertThat(each.reconnects()).isZero();
            }
        }
    }

    @Test
    void rotationsThatFailOrLoseTheOldBackendKeepTheRuleAndAnnounceOnlyRealGaps() throws Exception {
        DeliveryLedger ledger = new DeliveryLedger("rotfault.", 4);
        RotatingProvider provider = new RotatingProvider(direct());
        int kills = 0;
        int abandoned = 0;
        try (Notifier notifier = ReliabilityFaultTests.listening(builder("rotfault", provider, ledger), ledger);
                Traffic traffic = new Traffic(ledger, db::connect, 1000).start()) {
            for (int round = 0; round < 15; round++) {
                ReliabilityFaultTests.steady(traffic, 100);
                RotatingProvider.Next mode = RotatingProvider.Next.values()[round % 4];
                if (mode == RotatingProvider.Next.HOOK) {
                    int oldPid = notifier.status().backendPid();
                    provider.beforeNext = () -> {
                        ledger.faultBegins();
                        db.execute("SELECT pg_terminate_backend(" + oldPid + ")");
                    };
                    kills++;
                }
                provider.next.set(mode);
                try {
                    notifier.rotate().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    abandoned++;
                }
                int expected = kills;
                await().atMost(Duration.ofSeconds(10)).until(() -> ledger.reconnects() == expected);
                await().atMost(Duration.ofSeconds(10)).until(() -> notifier.state() == NotifierState.LISTENING);
            }
            assertThat(abandoned).isEqualTo(8); // REFUSED and LISTEN_FAILS, 4 rounds each of 15
            ReliabilityFaultTests.settle(
                    traffic,
                    ledger,
                    "rotations with the new connection refused, its LISTEN failing, the old backend killed",
                    15,
                    abandoned + " abandoned (old session went on, no gap), " + kills
                            + " old backends killed mid-rotation (new session took over, gap announced)");
            assertThat(ledger.reconnects()).isEqualTo(kills);
        }
    }
}
