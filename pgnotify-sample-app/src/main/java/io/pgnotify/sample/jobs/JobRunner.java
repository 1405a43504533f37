package io.pgnotify.sample.jobs;

import io.pgnotify.spring.PgListener;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs background jobs named by the payload of {@value #CHANNEL}: {@code generate_report}, sent by anyone. A job that
 * must not be lost, such as sending an email, goes through a durable channel instead ({@link EmailOutbox}).
 */
@Component
public class JobRunner {

    /** The channel whose payloads name jobs. */
    public static final String CHANNEL = "trigger_job";

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final EmailOutbox outbox;
    private final EmailSender sender;
    private final AtomicReference<@Nullable String> lastReport = new AtomicReference<>();

    JobRunner(EmailOutbox outbox, EmailSender sender) {
        this.outbox = outbox;
        this.sender = sender;
    }

    @PgListener(CHANNEL)
    void run(String job) {
        switch (job) {
            case "generate_report" -> generateReport();
            default -> log.warn("Unknown job '{}' on channel '{}'", job, CHANNEL);
        }
    }

    private void generateReport() {
        String report = Instant.now() + ": " + sender.sent() + " emails sent here, " + outbox.pending() + " pending";
        lastReport.set(report);
        log.info("Report {}", report);
    }

    /**
     * The last report generated.
     *
     * @return the report, if any
     */
    public Optional<String> lastReport() {
        return Optional.ofNullable(lastReport.get());
    }
}
