package io.pgnotify.sample.jobs;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The {@code email_outbox} table: rows are queued by anyone with an INSERT, and a trigger rings the
 * {@value JobRunner#CHANNEL} bell. The table, not the notification, is the work list: sending picks every unsent row,
 * so a missed or folded notification only delays the work until the next one.
 */
@Component
public class EmailOutbox {

    private static final Logger log = LoggerFactory.getLogger(EmailOutbox.class);

    private final JdbcClient jdbc;
    private final AtomicLong sent = new AtomicLong();

    EmailOutbox(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Queues an email; the table's trigger notifies the job runner when the transaction commits.
     *
     * @param recipient to whom
     * @param subject the subject
     */
    public void queue(String recipient, String subject) {
        jdbc.sql("INSERT INTO email_outbox (recipient, subject) VALUES (?, ?)")
                .params(recipient, subject)
                .update();
    }

    /**
     * Sends every unsent email. Safe to run concurrently on several instances: each row is claimed by one UPDATE.
     *
     * @return how many were sent
     */
    public int sendPending() {
        List<String> sentNow = jdbc.sql("""
                        UPDATE email_outbox SET sent_at = now()
                        WHERE sent_at IS NULL
                        RETURNING recipient || ': ' || subject""").query(String.class).list();
        // A real application would hand them to a mail server here.
        sentNow.forEach(email -> log.info("Sent email to {}", email));
        sent.addAndGet(sentNow.size());
        return sentNow.size();
    }

    /**
     * How many emails this instance has sent.
     *
     * @return the count
     */
    public long sent() {
        return sent.get();
    }

    /**
     * How many emails wait to be sent.
     *
     * @return the count
     */
    public long pending() {
        return jdbc.sql("SELECT count(*) FROM email_outbox WHERE sent_at IS NULL")
                .query(Long.class)
                .single();
    }
}
