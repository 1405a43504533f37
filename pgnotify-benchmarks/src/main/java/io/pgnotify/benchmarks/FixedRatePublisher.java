package io.pgnotify.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends one step's notifications from the calling thread on its own connection, one autocommit
 * {@code SELECT pg_notify(?, ?)} each, at a fixed rate on a schedule computed from the step's start time: evenly
 * spaced, or with exponentially distributed gaps of the same mean (Poisson arrivals, what {@code pgbench --rate}
 * does).
 *
 * <p>When a send is late (the previous one took longer than the period) the next goes out at once, so the rate is kept
 * on average; the payload carries the actual send time, so latencies measure delivery, not the publisher's backlog.
 * {@link Result#maxLagNanos()} shows how far behind schedule the publisher fell.
 */
final class FixedRatePublisher {

    private final Connection connection; // used by the publishing thread only
    private final String channel;
    private final boolean poisson;
    private final Random random = new Random(42);

    FixedRatePublisher(Connection connection, String channel, boolean poisson) throws SQLException {
        this.connection = connection;
        this.channel = channel;
        this.poisson = poisson;
        connection.setAutoCommit(true);
    }

    /** What one step sent. */
    record Result(long warmupSent, long measuredSent, long measuredNanos, long maxLagNanos) {

        double achievedRate() {
            return measuredSent * 1e9 / measuredNanos;
        }
    }

    Result run(int step, int rate, Duration warmup, Duration measured) throws SQLException {
        long period = 1_000_000_000L / rate;
        long warmupCount = Math.max(1, warmup.toNanos() / period);
        long total = warmupCount + Math.max(1, measured.toNanos() / period);
        long maxLag = 0;
        long start = System.nanoTime();
        long due = start;
        long measuredStart = 0;
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            statement.setString(1, channel);
            for (long i = 0; i < total; i++) {
                if (i > 0) {
                    due += poisson ? (long) (-Math.log(1 - random.nextDouble()) * period) : period;
                }
                long now;
                while ((now = System.nanoTime()) - due < 0) {
                    LockSupport.parkNanos(due - now);
                }
                boolean measuring = i >= warmupCount;
                if (measuring) {
                    maxLag = Math.max(maxLag, now - due);
                    if (i == warmupCount) {
                        measuredStart = now;
                    }
                }
                long sent = System.nanoTime();
                statement.setString(2, new Payload(step, measuring, sent).encode());
                statement.execute();
            }
        }
        return new Result(warmupCount, total - warmupCount, System.nanoTime() - measuredStart, maxLag);
    }
}
