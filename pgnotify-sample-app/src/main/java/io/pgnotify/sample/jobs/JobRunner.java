package io.pgnotify.sample.jobs;

import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyReconnectedEvent;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Runs background jobs named by the payload of {@value #CHANNEL}: {@code send_email}, sent by a trigger on
 * {@code email_outbox} (see {@code schema.sql}), or {@code generate_report}, sent by anyone.
 */
@Component
public class JobRunner {

    /** The channel whose payloads name jobs. */
    public static final String CHANNEL = "trigger_job";

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final EmailOutbox outbox;
    private final AtomicReference<@Nullable String> lastReport = new AtomicReference<>();

    JobRunner(EmailOutbox outbox) {
        this.outbox = outbox;
    }

    @PgListener(CHANNEL)
    void run(String job) {
        switch (job) {
            case "send_email" -> outbox.sendPending();
            case "generate_report" -> generateReport();
            default -> log.warn("Unknown job '{}' on channel '{}'", job, CHANNEL);
        }
    }

    // Rows queued while the app was down, or while the listener was reconnecting, rang no bell that was heard.
    @EventListener({ApplicationReadyEvent.class, PgNotifyReconnectedEvent.class})
    void catchUp() {
        int sent = outbox.sendPending();
        if (sent > 0) {
            log.info("Caught up with {} emails queued while not listening", sent);
        }
    }

    private void generateReport() {
        String report = Instant.now() + ": " + outbox.sent() + " emails sent, " + outbox.pending() + " pending";
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
