package io.pgnotify.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;

/**
 * Writes a reliability scenario's figures to {@code target/reliability/results.csv} and prints them on a line marked
 * {@code RELIABILITY}, so that {@code docs/reliability.md} quotes a real run.
 */
public final class ReliabilityReport {

    private static final Path FILE = Path.of("target", "reliability", "results.csv");
    private static final String HEADER = "time,scenario,repetitions,sent,received,lost_while_connected,duplicates,"
            + "out_of_order,in_gap,lost_in_flight_at_fault,reconnect_p50_ms,reconnect_max_ms,note\n";

    private ReliabilityReport() {}

    public static void record(String scenario, int repetitions, DeliveryLedger.Result result, String note) {
        record(
                scenario,
                repetitions,
                result.sent(),
                result.received(),
                result.lostWhileConnected(),
                result.duplicates(),
                result.outOfOrder(),
                result.inGap(),
                result.lostInFlight(),
                result.downtimeP50(),
                result.downtimeMax(),
                note);
    }

    public static synchronized void record(
            String scenario,
            int repetitions,
            long sent,
            long received,
            long lost,
            long duplicates,
            long outOfOrder,
            long inGap,
            long lostInFlight,
            Duration p50,
            Duration max,
            String note) {
        String line = String.join(
                        ",",
                        Instant.now().toString(),
                        '"' + scenario.replace("\"", "'") + '"',
                        Integer.toString(repetitions),
                        Long.toString(sent),
                        Long.toString(received),
                        Long.toString(lost),
                        Long.toString(duplicates),
                        Long.toString(outOfOrder),
                        Long.toString(inGap),
                        Long.toString(lostInFlight),
                        Long.toString(p50.toMillis()),
                        Long.toString(max.toMillis()),
                        '"' + note.replace("\"", "'") + '"')
                + "\n";
        System.out.print("RELIABILITY," + line);
        try {
            Files.createDirectories(FILE.getParent());
            if (!Files.exists(FILE)) {
                Files.writeString(FILE, HEADER, StandardCharsets.UTF_8);
            }
            Files.writeString(FILE, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
