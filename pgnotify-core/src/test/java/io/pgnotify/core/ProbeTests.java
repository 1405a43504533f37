package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgnotify.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The end-to-end probe is tied to its token: a late probe, of an older session or an older round, read on the current
 * session neither verifies nor fails it (the probes really travel through the server here).
 */
class ProbeTests {

    private static final String CHANNEL = "pgnotify.probe-tests";
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(5);

    private final ExecutorService prober = Executors.newSingleThreadExecutor();
    private Publisher publisher;
    private Connection listening;

    @BeforeEach
    void listen() throws SQLException {
        TestDatabase db = TestDatabase.shared();
        publisher = new Publisher(ConnectionProvider.of(db.url(), db.user(), db.password()), 8000, PING_TIMEOUT);
        listening = db.connect();
        listening.setAutoCommit(true);
        try (Statement statement = listening.createStatement()) {
            statement.execute("LISTEN \"" + CHANNEL + "\"");
        }
    }

    @AfterEach
    void close() throws SQLException {
        prober.shutdownNow();
        publisher.close();
        listening.close();
    }

    @Test
    void aLateProbeOfAnOlderSessionNeitherVerifiesNorFailsTheCurrentOne() throws Exception {
        Probe old = new Probe(publisher, prober, CHANNEL, "probe:1001:", PING_TIMEOUT);
        Probe current = new Probe(publisher, prober, CHANNEL, "probe:1002:", PING_TIMEOUT);
        old.send();
        current.send();
        List<String> read = readProbes(2);

        // the old session's probe, committed and read on the new session (it listens to the same private channel)
        assertThat(read).containsExactly("probe:1001:1", "probe:1002:1");
        assertThat(current.returned(read.get(0))).isFalse();
        assertThat(current.outstanding()).isTrue();
        assertThat(current.check(System.nanoTime(), 0)).isEqualTo(Probe.Outcome.WAITING);
        assertThat(current.returned(read.get(1))).isTrue();
        assertThat(current.outstanding()).isFalse();
        assertThat(current.check(System.nanoTime(), 0)).isEqualTo(Probe.Outcome.NONE);
    }

    @Test
    void aProbeOfAnEarlierRoundIsNotTakenForTheOutstandingOne() throws Exception {
        Probe probe = new Probe(publisher, prober, CHANNEL, "probe:2001:", PING_TIMEOUT);
        probe.send();
        List<String> first = readProbes(1);
        // the first round's result comes late: a new round has begun meanwhile
        probe.send();
        List<String> second = readProbes(1);

        assertThat(probe.returned(first.get(0))).isFalse();
        assertThat(probe.outstanding()).isTrue();
        assertThat(probe.returned(second.get(0))).isTrue();
        assertThat(probe.returned(second.get(0))).as("a probe returns once").isFalse();
    }

    /** Reads probe payloads from the listening connection until {@code count} arrived, within the ping timeout. */
    private List<String> readProbes(int count) throws SQLException {
        PGConnection pg = listening.unwrap(PGConnection.class);
        List<String> payloads = new ArrayList<>();
        long deadline = System.nanoTime() + PING_TIMEOUT.toNanos();
        while (payloads.size() < count) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            assertThat(deadline - System.nanoTime())
                    .as("%d of %d probes read within %s", payloads.size(), count, PING_TIMEOUT)
                    .isPositive();
            PGNotification[] batch = pg.getNotifications((int) left);
            if (batch != null) {
                for (PGNotification n : batch) {
                    payloads.add(n.getParameter());
                }
            }
        }
        return payloads;
    }
}
