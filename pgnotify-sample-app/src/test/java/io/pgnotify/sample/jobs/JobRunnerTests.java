package io.pgnotify.sample.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.sample.SampleAppTest;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

@SampleAppTest
class JobRunnerTests {

    @Autowired
    EmailOutbox outbox;

    @Autowired
    EmailSender sender;

    @Autowired
    JobRunner jobs;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    PgNotifyTemplate notify;

    @Autowired
    TransactionTemplate transactions;

    @Test
    void anEmailQueuedByAnyClientThroughTheSqlFunctionIsSent() {
        long sent = sender.sent();

        // As any other program would do it: psql, a trigger, another language.
        jdbc.sql(
                        "SELECT pgnotify.publish_durable('emails', '{\"recipient\":\"bob@example.com\",\"subject\":\"Invoice\"}')")
                .query(Long.class)
                .single();

        await().atMost(Duration.ofSeconds(10)).until(() -> sender.sent() > sent);
        await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pending() == 0);
    }

    @Test
    void anEmailQueuedInARolledBackTransactionIsNeverSent() {
        long sent = sender.sent();
        transactions.executeWithoutResult(status -> {
            outbox.queue("carol@example.com", "Never sent");
            status.setRollbackOnly();
        });
        outbox.queue("dave@example.com", "Sent");

        await().atMost(Duration.ofSeconds(10)).until(() -> sender.sent() > sent && outbox.pending() == 0);
        assertThat(sender.sent()).isEqualTo(sent + 1);
        assertThat(outbox.groups()).anySatisfy(line -> assertThat(line).startsWith("emails/mailer: "));
    }

    @Test
    void aJobNamedInAPublishedPayloadRuns() {
        notify.publish(JobRunner.CHANNEL, "generate_report");

        await().atMost(Duration.ofSeconds(10)).until(() -> jobs.lastReport().isPresent());
        assertThat(jobs.lastReport())
                .hasValueSatisfying(report -> assertThat(report).contains("emails sent"));
    }
}
