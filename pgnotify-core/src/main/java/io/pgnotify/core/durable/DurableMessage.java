package io.pgnotify.core.durable;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A message of a durable channel, as handed to a group's handler.
 *
 * @param id the message id, unique across channels: use it as an idempotency key towards outside systems
 * @param channel the channel
 * @param key the key given at publishing, or {@code null}
 * @param payload the payload
 * @param attempt 1 on first delivery; more after a failure, or after a fault that may have interrupted an earlier one
 * @param publishedAt when the message was inserted, on the database clock
 */
public record DurableMessage(
        long id, String channel, @Nullable String key, String payload, int attempt, Instant publishedAt) {

    /** Checks the components. */
    public DurableMessage {
        Objects.requireNonNull(channel, "'channel' must not be null");
        Objects.requireNonNull(payload, "'payload' must not be null");
        Objects.requireNonNull(publishedAt, "'publishedAt' must not be null");
    }
}
