package io.pgnotify.core.durable;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A message a group gave up on after {@code maxAttempts} failures.
 *
 * @param group the group
 * @param message the message, with the number of attempts made
 * @param lastError the last failure's class and message, or {@code null}
 * @param failedAt when it last failed
 */
public record DeadLetter(
        String group, DurableMessage message, @Nullable String lastError, Instant failedAt) {}
