package io.pgnotify.core.durable;

import static org.awaitility.Awaitility.await;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A durable consumer in a JVM of its own, to be killed with SIGKILL or frozen with SIGSTOP. It records every message
 * it handles into {@code durable_test_handled} in the handler's transaction, acknowledging in that same transaction.
 * A message whose payload is {@code "slow"} prints {@code WORKING <id>} after its insert and takes 3 s before the
 * acknowledgement: the window in which a test kills or freezes it.
 */
final class WorkerJvm implements AutoCloseable {

    static final String TABLE = "durable_test_handled";

    private final Process process;
    final List<String> output = new CopyOnWriteArrayList<>();

    private WorkerJvm(Process process) {
        this.process = process;
        Thread reader = new Thread(this::readOutput, "worker-jvm-output");
        reader.setDaemon(true);
        reader.start();
    }

    static void createTable() {
        TestDatabase.shared()
                .execute("CREATE TABLE IF NOT EXISTS " + TABLE
                        + " (channel text, id bigint, instance text, attempt int, payload text)");
    }

    static WorkerJvm start(String channel, String group, String instance, Duration lease) throws IOException {
        TestDatabase db = TestDatabase.shared();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        WorkerJvm.class.getName(),
                        db.url(),
                        db.user(),
                        db.password(),
                        channel,
                        group,
                        instance,
                        Long.toString(lease.toMillis()))
                .redirectErrorStream(true);
        return new WorkerJvm(builder.start());
    }

    long pid() {
        return process.pid();
    }

    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid() + " failed");
        }
    }

    void awaitOutput(String text, Duration atMost) {
        await().atMost(atMost).until(() -> output.stream().anyMatch(line -> line.contains(text)));
    }

    private void readOutput() {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                output.add(line);
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                signal("CONT");
            } catch (IOException | RuntimeException ignored) {
                // it may have exited meanwhile
            }
            kill();
        }
    }

    /** The handler both the worker JVM and the tests' own instance run. */
    static TransactionalDurableHandler recordingHandler(
            ConnectionProvider provider, String instance, Runnable beforeAcknowledgingSlow) {
        return (message, acknowledgement) -> {
            try (Connection c = provider.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO " + TABLE + " (channel, id, instance, attempt, payload) VALUES (?, ?, ?, ?, ?)")) {
                    insert.setString(1, message.channel());
                    insert.setLong(2, message.id());
                    insert.setString(3, instance);
                    insert.setInt(4, message.attempt());
                    insert.setString(5, message.payload());
                    insert.executeUpdate();
                }
                if (message.payload().equals("slow")) {
                    System.out.println("WORKING " + message.id());
                    System.out.flush();
                    beforeAcknowledgingSlow.run();
                }
                try {
                    acknowledgement.acknowledgeOn(c);
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            }
        };
    }

    public static void main(String[] args) throws Exception {
        ConnectionProvider provider = ConnectionProvider.of(args[0], args[1], args[2]);
        String channel = args[3];
        String group = args[4];
        String instance = args[5];
        Duration lease = Duration.ofMillis(Long.parseLong(args[6]));
        Notifier notifier = Notifier.builder(provider).name(instance).build();
        notifier.start();
        DurableChannels durable = DurableChannels.builder(notifier, provider)
                .instance(instance)
                .leaseTimeout(lease)
                .pollInterval(Duration.ofMillis(200))
                .startFrom(StartFrom.EARLIEST)
                .listener(new DurableListener() {
                    @Override
                    public void onLeaseLost(String c, String g) {
                        System.out.println("LEASE LOST " + c + " " + g);
                        System.out.flush();
                    }
                })
                .build();
        durable.subscribe(channel, group, recordingHandler(provider, instance, () -> {
            // Simulated work, long enough for the test to kill or freeze this JVM before the acknowledgement.
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        durable.start();
        System.out.println("STARTED " + instance);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
