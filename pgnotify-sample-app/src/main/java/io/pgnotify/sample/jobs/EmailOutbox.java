package io.pgnotify.sample.jobs;

import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.core.durable.GroupStatus;
import io.pgnotify.spring.PgNotifyTemplate;
import java.sql.SQLException;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The email outbox, as a durable channel: {@link #queue} publishes in the caller's transaction, so an email exists if
 * and only if the transaction that asked for it commits, and {@link EmailSender} (group {@value #GROUP}) receives
 * each one at least once, on whichever instance holds the group's lease. Any other client queues one with
 * {@code SELECT pgnotify.publish_durable('emails', '{"recipient":"…","subject":"…"}')}.
 */
@Component
public class EmailOutbox {

    /** The durable channel of emails to send. */
    public static final String CHANNEL = "emails";

    /** The consumer group that sends them. */
    public static final String GROUP = "mailer";

    private final PgNotifyTemplate template;
    private final DurableChannels durable;

    EmailOutbox(PgNotifyTemplate template, DurableChannels durable) {
        this.template = template;
        this.durable = durable;
    }

    /**
     * Queues an email, in the caller's transaction if there is one.
     *
     * @param recipient to whom
     * @param subject the subject
     * @return the message id
     */
    public long queue(String recipient, String subject) {
        return template.publishDurable(CHANNEL, new Email(recipient, subject));
    }

    /**
     * Where every durable group stands: position, lag, owner, dead letters.
     *
     * @return one line per group
     */
    public List<String> groups() {
        try {
            return durable.groups().stream().map(EmailOutbox::describe).toList();
        } catch (SQLException e) {
            return List.of("unavailable: " + e.getMessage());
        }
    }

    /**
     * How many emails wait to be sent by the group.
     *
     * @return the count
     */
    public long pending() {
        try {
            return durable.groups().stream()
                    .filter(g -> g.channel().equals(CHANNEL) && g.group().equals(GROUP))
                    .mapToLong(GroupStatus::lag)
                    .sum();
        } catch (SQLException e) {
            return -1;
        }
    }

    private static String describe(GroupStatus g) {
        return g.channel() + "/" + g.group() + ": position " + g.position() + ", lag " + g.lag() + " ("
                + g.lagAge().toMillis() + " ms), owner " + (g.owner() == null ? "none" : g.owner()) + ", dead letters "
                + g.deadLetters();
    }

    /**
     * An email to send.
     *
     * @param recipient to whom
     * @param subject the subject
     */
    public record Email(String recipient, String subject) {}
}
