package io.pgnotify.benchmarks.durable;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.core.durable.DurablePublisher;
import io.pgnotify.core.durable.DurableSchema;
import io.pgnotify.core.durable.StartFrom;
import java.io.File;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two consumer JVMs compete in one group while messages are published at a fixed rate; the one holding the lease is
 * killed with SIGKILL and started again. Prints the group's lag every 250 ms and its maximum.
 *
 * <pre>
 * java -cp … io.pgnotify.benchmarks.durable.LagUnderKill [--url …] [--user …] [--rate 2000] [--seconds 20]
 *     [--lease 2s]
 * </pre>
 */
public final class LagUnderKill {

    private LagUnderKill() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("consume")) {
            consume(args);
            return;
        }
        String url = option(args, "--url", "jdbc:postgresql://127.0.0.1:5432/postgres");
        String user = option(args, "--user", "postgres");
        int rate = Integer.parseInt(option(args, "--rate", "2000"));
        int seconds = Integer.parseInt(option(args, "--seconds", "20"));
        Duration lease = Duration.parse("PT" + option(args, "--lease", "2s"));
        ConnectionProvider provider = ConnectionProvider.of(url, user, null);
        try (Connection c = provider.getConnection()) {
            DurableSchema.install(c);
        }
        String channel = "bench-kill-" + UUID.randomUUID();
        List<Process> consumers = new ArrayList<>();
        consumers.add(start(url, user, channel, "a", lease));
        consumers.add(start(url, user, channel, "b", lease));
        awaitOwner(provider, channel);

        AtomicLong published = new AtomicLong();
        Thread publisher = new Thread(() -> publish(provider, channel, rate, seconds, published), "publisher");
        publisher.start();
        long start = System.nanoTime();
        long maxLag = 0;
        boolean killed = false;
        boolean restarted = false;
        String killedName = null;
        while (publisher.isAlive() || lag(provider, channel) > 0) {
            double t = (System.nanoTime() - start) / 1e9;
            if (!killed && t >= seconds / 4.0) {
                killedName = owner(provider, channel);
                Process victim = consumers.get("a".equals(killedName) ? 0 : 1);
                victim.destroyForcibly();
                victim.waitFor(10, TimeUnit.SECONDS);
                System.out.printf("%6.2f s  killed %s (owner) with SIGKILL%n", t, killedName);
                killed = true;
            }
            if (killed && !restarted && t >= seconds / 2.0) {
                consumers.set("a".equals(killedName) ? 0 : 1, start(url, user, channel, killedName, lease));
                System.out.printf("%6.2f s  restarted %s%n", t, killedName);
                restarted = true;
            }
            long lag = lag(provider, channel);
            maxLag = Math.max(maxLag, lag);
            System.out.printf("%6.2f s  lag %,d  owner %s%n", t, lag, owner(provider, channel));
            if (t > seconds + 60) {
                break;
            }
            Thread.sleep(250);
        }
        publisher.join();
        System.out.printf(
                "%,d messages at %,d/s, lease %s: maximum lag %,d messages (%.2f s of publishing)%n",
                published.get(), rate, lease, maxLag, maxLag / (double) rate);
        for (Process p : consumers) {
            p.destroyForcibly();
        }
    }

    private static void publish(ConnectionProvider provider, String channel, int rate, int seconds, AtomicLong count) {
        // 100 transactions per second, each of rate/100 messages, on schedule.
        int perTick = Math.max(1, rate / 100);
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < perTick; i++) {
            batch.add("{\"n\":" + i + "}");
        }
        long start = System.nanoTime();
        try (Connection c = provider.getConnection()) {
            for (int tick = 0; tick < seconds * 100; tick++) {
                long due = start + tick * 10_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                DurablePublisher.publishAll(c, channel, batch);
                count.addAndGet(perTick);
            }
        } catch (SQLException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Process start(String url, String user, String channel, String name, Duration lease)
            throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        LagUnderKill.class.getName(),
                        "consume",
                        url,
                        user,
                        channel,
                        name,
                        Long.toString(lease.toMillis()))
                .redirectOutput(new File("/dev/null"))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    private static void consume(String[] args) throws Exception {
        ConnectionProvider provider = ConnectionProvider.of(args[1], args[2], null);
        Notifier notifier = Notifier.builder(provider).name(args[4]).build();
        notifier.start();
        DurableChannels durable = DurableChannels.builder(notifier, provider)
                .instance(args[4])
                .leaseTimeout(Duration.ofMillis(Long.parseLong(args[5])))
                .pollInterval(Duration.ofMillis(100))
                .batchSize(500)
                .startFrom(StartFrom.EARLIEST)
                .build();
        durable.subscribe(args[3], "g", m -> {});
        durable.start();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void awaitOwner(ConnectionProvider provider, String channel) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (owner(provider, channel) == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no consumer took the lease of '" + channel + "' within 60 s");
            }
            Thread.sleep(100);
        }
    }

    private static String owner(ConnectionProvider provider, String channel) throws SQLException {
        try (Connection c = provider.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT owner FROM pgnotify.durable_group"
                        + " WHERE channel = ? AND lease_until > clock_timestamp()")) {
            s.setString(1, channel);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static long lag(ConnectionProvider provider, String channel) throws SQLException {
        try (Connection c = provider.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT count(*) FROM pgnotify.durable_message m"
                        + " WHERE m.channel = ? AND m.id > coalesce((SELECT position FROM pgnotify.durable_group g"
                        + " WHERE g.channel = m.channel AND g.group_name = 'g'), 0)")) {
            s.setString(1, channel);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
