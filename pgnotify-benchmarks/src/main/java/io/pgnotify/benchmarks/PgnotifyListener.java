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
import org.jspecify.annotations.Nullable;

/**
 * The pgnotify {@link Notifier}, measured at handler entry. Two diagnostic series split that at
 * {@code Notification.receivedAt()}, the wall-clock instant the reading thread took when pgjdbc returned the
 * notification: send to reading thread (the send stamp moved onto the wall clock), and reading thread to handler
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
    private final String threads;

    PgnotifyListener(Server server, String channel) {
        this(server, channel, Report.PGNOTIFY, "  of which: ", null, "", "bench");
    }

    /**
     * A notifier whose reading thread hands every notification to a worker ({@code pgnotify.dispatch.hand-off}), the
     * path a custom thread factory takes, so that both dispatch paths are measured side by side.
     */
    static PgnotifyListener handingOff(Server server, String channel) {
        return new PgnotifyListener(
                server,
                channel,
                Report.HANDOFF,
                "  hand-off, of which: ",
                "pgnotify.dispatch.hand-off",
                "true",
                "bench-handoff");
    }

    /**
     * A notifier without the watcher ({@code pgnotify.dispatch.watcher=false}): the reading thread wakes a worker to
     * take over reading before every handler it runs, as before the watcher.
     */
    static PgnotifyListener withoutWatcher(Server server, String channel) {
        return new PgnotifyListener(
                server,
                channel,
                Report.NO_WATCHER,
                "  no watcher, of which: ",
                "pgnotify.dispatch.watcher",
                "false",
                "bench-no-watcher");
    }

    /** {@code property}, when given, is set to {@code value} while the notifier is built (where it is read). */
    private PgnotifyListener(
            Server server,
            String channel,
            String name,
            String prefix,
            @Nullable String property,
            String value,
            String threads) {
        this.channel = channel;
        this.threads = threads;
        this.latencies = new Latencies(name);
        this.read = new Latencies(prefix + "send to reading thread");
        this.handoff = new Latencies(prefix + "reading thread to handler");
        String before = property == null ? null : System.getProperty(property);
        if (property != null) {
            System.setProperty(property, value);
        }
        try {
            this.notifier = Notifier.builder(ConnectionProvider.of(server.jdbcUrl(), server.user(), server.password()))
                    .name(threads)
                    .build();
        } finally {
            if (property != null && before == null) {
                System.clearProperty(property);
            } else if (property != null) {
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

    static long epochNanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    /** Wall clock minus {@link System#nanoTime()}, to place a nanoTime send stamp on the wall clock (±1 µs). */
    static long clockOffset() {
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
                        "pgnotify (%s): handlers ran on %d distinct worker threads; highest worker number %d",
                        this.threads, threads.size(), created);
    }

    @Override
    public void close() {
        notifier.close();
    }
}
