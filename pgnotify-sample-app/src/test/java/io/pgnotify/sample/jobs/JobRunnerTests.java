package io.pgnotify.sample.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.sample.SampleAppTest;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

@SampleAppTest
class JobRunnerTests {

    @Autowired
    EmailOutbox outbox;

    @Autowired
    JobRunner jobs;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    PgNotifyTemplate notify;

    @Test
    void aRowInsertedByAnyClientRingsTheTriggerAndTheEmailIsSent() {
        long sent = outbox.sent();

        // A plain INSERT, as any other program would do it: the table's trigger calls pg_notify.
        jdbc.sql("INSERT INTO email_outbox (recipient, subject) VALUES ('bob@example.com', 'Your invoice')")
                .update();

        await().atMost(Duration.ofSeconds(10)).until(() -> outbox.sent() > sent);
        assertThat(outbox.pending()).isZero();
    }

    @Test
    void aJobNamedInAPublishedPayloadRuns() {
        notify.publish(JobRunner.CHANNEL, "generate_report");

        await().atMost(Duration.ofSeconds(10)).until(() -> jobs.lastReport().isPresent());
        assertThat(jobs.lastReport())
                .hasValueSatisfying(report -> assertThat(report).contains("emails sent"));
    }
}
