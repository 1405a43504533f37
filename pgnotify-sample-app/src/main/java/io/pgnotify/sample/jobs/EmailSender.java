package io.pgnotify.sample.jobs;

import io.pgnotify.core.durable.DurableMessage;
import io.pgnotify.spring.durable.PgDurableListener;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Sends the emails of the {@value EmailOutbox#CHANNEL} durable channel. With two instances running, one sends and
 * the other stands by; stop the sending one and the other takes over within the lease timeout. After a crash an
 * email may be handed over again ({@code attempt() > 1}): a real mailer passes {@code message.id()} to the mail
 * server as an idempotency key.
 */
@Component
public class EmailSender {

    private static final Logger log = LoggerFactory.getLogger(EmailSender.class);

    private final AtomicLong sent = new AtomicLong();

    @PgDurableListener(channel = EmailOutbox.CHANNEL, group = EmailOutbox.GROUP)
    void send(EmailOutbox.Email email, DurableMessage message) {
        // A real application would hand it to a mail server here.
        log.info(
                "Sent email {} to {}: {} (attempt {})",
                message.id(),
                email.recipient(),
                email.subject(),
                message.attempt());
        sent.incrementAndGet();
    }

    /**
     * How many emails this instance has sent.
     *
     * @return the count
     */
    public long sent() {
        return sent.get();
    }
}
