package io.pgnotify.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.pgnotify.spring.PgNotifyTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.PreparedStatementCallback;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publish throughput: {@code PgNotifyTemplate.publish} beside {@code JdbcTemplate} running {@code SELECT pg_notify(?,
 * ?)} and pgbench, at the same concurrency on one HikariCP pool; {@code publishAll} batches; and NOTIFY inside write
 * transactions. Contenders take turns within each repetition (the starting one rotates), so neighbours' load falls on
 * all of them alike.
 *
 * <pre>{@code
 * java -cp pgnotify-benchmarks/target/pgnotify-benchmarks.jar io.pgnotify.benchmarks.PublishThroughput \
 *     --concurrency 1,8 --seconds 5 --reps 3
 * }</pre>
 */
public final class PublishThroughput {

    static final String CHANNEL = "bench_publish";
    static final String PAYLOAD = "0123456789abcdef"; // 16 bytes
    static final String INSERT = "INSERT INTO bench_events(payload) VALUES (?)";

    private PublishThroughput() {}

    /** One unit of work: returns the notifications it sent. */
    @FunctionalInterface
    interface Op {
        int run(int thread) throws Exception;
    }

    record Contender(String name, @Nullable Op op, @Nullable String pgbenchScript) {}

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args);
        Server server = flags.server();
        int seconds = flags.number("seconds", 5);
        int reps = flags.number("reps", 3);
        String only = flags.text("only", ""); // runs only the contenders whose name contains this
        String pgbench = flags.text("pgbench", "/usr/lib/postgresql/15/bin/pgbench");
        try (var c = server.connect();
                var s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS bench_events (id bigserial PRIMARY KEY, payload text NOT NULL)");
            System.out.println("server: " + server + ", " + scalar(s, "SELECT version()") + ", synchronous_commit="
                    + scalar(s, "SHOW synchronous_commit") + ", fsync=" + scalar(s, "SHOW fsync"));
        }
        List<String> distinct = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            distinct.add(Spread.f("p%015d", i)); // 16 bytes, distinct: PostgreSQL folds duplicates in a transaction
        }
        int listeners = flags.number("listeners", 1);
        List<ReceiveThroughput.Listener> draining = new ArrayList<>();
        for (int i = 0; i < listeners; i++) {
            // What an application has: something listening. Without listeners a NOTIFY signals no backend.
            draining.add(ReceiveThroughput.plainLoop(server, new String[] {CHANNEL}));
        }
        System.out.println("listening connections draining the channel: " + listeners);
        System.out.println("load average at start: " + loadAverage());
        for (int concurrency : flags.numbers("concurrency", "1,8")) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(server.jdbcUrl());
            config.setUsername(server.user());
            config.setPassword(server.password());
            config.setMaximumPoolSize(concurrency);
            config.setMinimumIdle(concurrency);
            config.setPoolName("bench-" + concurrency);
            try (HikariDataSource pool = new HikariDataSource(config)) {
                PgNotifyTemplate template = PgNotifyTemplate.builder(pool).build();
                JdbcTemplate jdbc = new JdbcTemplate(pool);
                TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(pool));
                PreparedStatementCallback<Boolean> notify = ps -> {
                    ps.setString(1, CHANNEL);
                    ps.setString(2, PAYLOAD);
                    return ps.execute();
                };
                List<Contender> contenders = List.of(
                                new Contender(
                                        "JdbcTemplate `SELECT pg_notify(?, ?)` (baseline)",
                                        t -> {
                                            jdbc.execute("SELECT pg_notify(?, ?)", notify);
                                            return 1;
                                        },
                                        null),
                                new Contender(
                                        "PgNotifyTemplate.publish",
                                        t -> {
                                            template.publish(CHANNEL, PAYLOAD);
                                            return 1;
                                        },
                                        null),
                                new Contender(
                                        "pgbench `SELECT pg_notify(…)` (-M prepared)",
                                        null,
                                        "SELECT pg_notify('" + CHANNEL + "', '" + PAYLOAD + "');\n"),
                                batch("PgNotifyTemplate.publishAll, batch 10", template, distinct.subList(0, 10)),
                                batch("PgNotifyTemplate.publishAll, batch 100", template, distinct.subList(0, 100)),
                                batch("PgNotifyTemplate.publishAll, batch 1000", template, distinct),
                                new Contender(
                                        "tx: INSERT only (JdbcTemplate)",
                                        t -> {
                                            tx.executeWithoutResult(status -> jdbc.update(INSERT, PAYLOAD));
                                            return 0;
                                        },
                                        null),
                                new Contender(
                                        "tx: INSERT + SELECT 1 (same round trips, no NOTIFY)",
                                        t -> {
                                            tx.executeWithoutResult(status -> {
                                                jdbc.update(INSERT, PAYLOAD);
                                                jdbc.execute("SELECT 1");
                                            });
                                            return 0;
                                        },
                                        null),
                                new Contender(
                                        "tx: INSERT + PgNotifyTemplate.publish",
                                        t -> {
                                            tx.executeWithoutResult(status -> {
                                                jdbc.update(INSERT, PAYLOAD);
                                                template.publish(CHANNEL, PAYLOAD);
                                            });
                                            return 1;
                                        },
                                        null),
                                new Contender(
                                        "pgbench tx: INSERT only",
                                        null,
                                        "BEGIN;\nINSERT INTO bench_events(payload) VALUES ('x');\nCOMMIT;\n"),
                                new Contender(
                                        "pgbench tx: INSERT + SELECT 1",
                                        null,
                                        "BEGIN;\nINSERT INTO bench_events(payload) VALUES ('x');\nSELECT 1;\nCOMMIT;\n"),
                                new Contender(
                                        "pgbench tx: INSERT + pg_notify",
                                        null,
                                        "BEGIN;\nINSERT INTO bench_events(payload) VALUES ('x');\nSELECT pg_notify('"
                                                + CHANNEL + "', '" + PAYLOAD + "');\nCOMMIT;\n"))
                        .stream()
                        .filter(c -> c.name().contains(only))
                        .toList();
                Map<String, Spread> transactions = new LinkedHashMap<>();
                Map<String, Spread> notifications = new LinkedHashMap<>();
                for (Contender contender : contenders) {
                    transactions.put(contender.name(), new Spread());
                    notifications.put(contender.name(), new Spread());
                }
                for (int rep = 0; rep < reps; rep++) {
                    String load = loadAverage();
                    for (int k = 0; k < contenders.size(); k++) {
                        Contender contender = contenders.get((k + rep) % contenders.size());
                        jdbc.execute("TRUNCATE bench_events");
                        double[] rates = contender.op() != null
                                ? runJava(contender.op(), concurrency, seconds)
                                : runPgbench(pgbench, server, contender.pgbenchScript(), concurrency, seconds);
                        transactions.get(contender.name()).add(rates[0]);
                        notifications.get(contender.name()).add(rates[1]);
                    }
                    System.out.println("concurrency " + concurrency + ": repetition " + (rep + 1) + " of " + reps
                            + " done (load average before " + load + ", after " + loadAverage() + ")");
                }
                print(concurrency, seconds, reps, contenders, transactions, notifications);
            }
        }
        for (ReceiveThroughput.Listener listener : draining) {
            System.out.println("a listener received " + listener.received());
            listener.close();
        }
    }

    private static Contender batch(String name, PgNotifyTemplate template, List<String> payloads) {
        return new Contender(
                name,
                t -> {
                    template.publishAll(CHANNEL, payloads);
                    return payloads.size();
                },
                null);
    }

    /** Runs the operation on {@code threads} threads: 1 s warm-up, then {@code seconds} measured. */
    static double[] runJava(Op op, int threads, int seconds) throws InterruptedException {
        long start = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long[] ops = new long[threads];
        long[] sent = new long[threads];
        Throwable[] failure = new Throwable[1];
        List<Thread> running = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int index = i;
            Thread thread = new Thread(
                    () -> {
                        try {
                            long now;
                            while ((now = System.nanoTime()) < end) {
                                int n = op.run(index);
                                if (now >= start) {
                                    ops[index]++;
                                    sent[index] += n;
                                }
                            }
                        } catch (Throwable e) {
                            failure[0] = e;
                        }
                    },
                    "publisher-" + i);
            running.add(thread);
            thread.start();
        }
        for (Thread thread : running) {
            thread.join(TimeUnit.SECONDS.toMillis(seconds + 30L));
        }
        if (failure[0] != null) {
            throw new IllegalStateException("publisher failed", failure[0]);
        }
        long totalOps = 0;
        long totalSent = 0;
        for (int i = 0; i < threads; i++) {
            totalOps += ops[i];
            totalSent += sent[i];
        }
        return new double[] {totalOps / (double) seconds, totalSent / (double) seconds};
    }

    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

    static double[] runPgbench(String pgbench, Server server, String script, int clients, int seconds)
            throws IOException, InterruptedException {
        Path file = Files.createTempFile("pgnotify-bench", ".sql");
        try {
            Files.writeString(file, script);
            ProcessBuilder builder = new ProcessBuilder(
                    pgbench,
                    "-n",
                    "-M",
                    "prepared",
                    "-c",
                    String.valueOf(clients),
                    "-j",
                    String.valueOf(clients),
                    "-T",
                    String.valueOf(seconds),
                    "-f",
                    file.toString(),
                    "-h",
                    server.host(),
                    "-p",
                    String.valueOf(server.port()),
                    "-U",
                    server.user(),
                    server.database());
            builder.redirectErrorStream(true);
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
                process.destroy();
                throw new IllegalStateException("pgbench did not finish");
            }
            Matcher m = TPS.matcher(output);
            if (!m.find()) {
                throw new IllegalStateException("no tps in pgbench output:\n" + output);
            }
            double tps = Double.parseDouble(m.group(1));
            return new double[] {tps, script.contains("pg_notify") ? tps : 0};
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void print(
            int concurrency,
            int seconds,
            int reps,
            List<Contender> contenders,
            Map<String, Spread> transactions,
            Map<String, Spread> notifications) {
        String baseline = "JdbcTemplate `SELECT pg_notify(?, ?)` (baseline)";
        String single = "PgNotifyTemplate.publish";
        String insertOnly = "tx: INSERT only (JdbcTemplate)";
        System.out.println();
        System.out.println(Spread.f(
                "#### Concurrency %d (pool of %d, %d threads; %d s per trial, %d repetitions)",
                concurrency, concurrency, concurrency, seconds, reps));
        System.out.println();
        System.out.println(
                "| contender | transactions/s | notifications/s | vs JdbcTemplate | vs publish | vs INSERT only |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (Contender contender : contenders) {
            Spread tx = transactions.get(contender.name());
            Spread sent = notifications.get(contender.name());
            System.out.println(Spread.f(
                    "| %s | %s | %s | %s | %s | %s |",
                    contender.name(),
                    tx.format("%,.0f"),
                    sent.median() > 0 ? sent.format("%,.0f") : "—",
                    contender.name().contains("tx:") ? "" : ratio(sent, notifications.get(baseline)),
                    contender.name().contains("tx:") ? "" : ratio(sent, notifications.get(single)),
                    contender.name().contains("tx:")
                            ? ratio(tx, transactions.get(nameLike(contender, insertOnly)))
                            : ""));
        }
    }

    private static String nameLike(Contender contender, String insertOnly) {
        return contender.name().startsWith("pgbench") ? "pgbench tx: INSERT only" : insertOnly;
    }

    private static String ratio(Spread value, @Nullable Spread reference) {
        if (reference == null || value.median() <= 0 || reference.median() <= 0) {
            return "";
        }
        return Spread.f("%.2f×", value.median() / reference.median());
    }

    private static String scalar(java.sql.Statement statement, String sql) throws java.sql.SQLException {
        try (var rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
