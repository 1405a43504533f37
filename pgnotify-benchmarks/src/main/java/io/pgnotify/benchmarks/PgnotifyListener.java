package io.pgnotify.benchmarks;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pgnotify {@link Notifier}, measured at handler entry. Two diagnostic series split that at
 * {@code Notification.receivedAt()}, the wall-clock instant the listener thread took when pgjdbc returned the
 * notification: send to listener thread (the send stamp moved onto the wall clock), and listener thread to handler
 * entry (both wall clock, microsecond resolution).
 */
final class PgnotifyListener implements Listener {

    private final Latencies latencies;
    private final Latencies read;
    private final Latencies handoff;
    private final long clockOffset = clockOffset();
    private final Set<Thread> handlerThreads = ConcurrentHashMap.newKeySet();
    private final Notifier notifier;
    private final String channel;

    PgnotifyListener(Server server, String channel) {
        this(server, channel, false);
    }

    /**
     * A notifier whose workers spin up to 300 µs for the next notification before they park
     * ({@code pgnotify.dispatch.spin-micros}, off by default), so that both hand-offs are measured side by side.
     */
    static PgnotifyListener spinning(Server server, String channel) {
        return new PgnotifyListener(server, channel, true);
    }

    private PgnotifyListener(Server server, String channel, boolean spinning) {
        this.channel = channel;
        String name = spinning ? Report.SPINNING : Report.PGNOTIFY;
        String prefix = spinning ? "  spinning, of which: " : "  of which: ";
        this.latencies = new Latencies(name);
        this.read = new Latencies(prefix + "send to listener thread");
        this.handoff = new Latencies(prefix + "listener thread to handler");
        String property = "pgnotify.dispatch.spin-micros";
        String before = System.getProperty(property);
        if (spinning) {
            System.setProperty(property, "300");
        }
        try {
            this.notifier = Notifier.builder(ConnectionProvider.of(server.jdbcUrl(), server.user(), server.password()))
                    .name(spinning ? "bench-spinning" : "bench")
                    .build();
        } finally {
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
    }

    @Override
    public void start() throws Exception {
        notifier.subscribe(channel, n -> {
            long now = System.nanoTime();
            Instant entered = Instant.now();
            latencies.record(n.payload(), now);
            handoff.recordLatency(n.payload(), ChronoUnit.NANOS.between(n.receivedAt(), entered));
            Payload p = Payload.parse(n.payload());
            if (p != null) {
                read.recordLatency(n.payload(), epochNanos(n.receivedAt()) - (p.sentNanos() + clockOffset));
            }
            handlerThreads.add(Thread.currentThread());
        });
        notifier.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (notifier.state() != NotifierState.LISTENING) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("The notifier is not listening after 30 s: " + notifier.status());
            }
            Thread.sleep(10);
        }
    }

    @Override
    public List<Latencies> series() {
        return List.of(latencies, read, handoff);
    }

    private static long epochNanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    /** Wall clock minus {@link System#nanoTime()}, to place a nanoTime send stamp on the wall clock (±1 µs). */
    private static long clockOffset() {
        long best = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 1000; i++) {
            long before = System.nanoTime();
            long wall = epochNanos(Instant.now());
            long after = System.nanoTime();
            if (after - before < best) {
                best = after - before;
                offset = wall - (before + after) / 2;
            }
        }
        return offset;
    }

    /**
     * How many threads ran the handler since the last call, and how many worker threads the notifier has created so
     * far (the highest {@code -worker-N} suffix seen): one channel needs one worker at a time.
     */
    @Override
    public String note() {
        List<Thread> threads = List.copyOf(handlerThreads);
        handlerThreads.removeAll(threads);
        int created = 0;
        for (Thread thread : threads) {
            String name = thread.getName();
            try {
                created = Math.max(created, Integer.parseInt(name.substring(name.lastIndexOf('-') + 1)));
            } catch (NumberFormatException ignored) {
                // not a numbered worker
            }
        }
        return threads.isEmpty()
                ? ""
                : String.format(
                        "pgnotify: handlers ran on %d distinct worker threads; highest worker number %d",
                        threads.size(), created);
    }

    @Override
    public void close() {
        notifier.close();
    }
}
