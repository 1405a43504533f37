package io.pgnotify.core.durable;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Where a group stands on a channel.
 *
 * @param channel the channel
 * @param group the group
 * @param position the id of the last message the group handled (or skipped as dead)
 * @param lag messages published after the position
 * @param lagAge how old the oldest of them is, {@link Duration#ZERO} when none
 * @param owner the instance holding the lease, or {@code null} when nobody holds it
 * @param leaseUntil when that lease expires, on the database clock, or {@code null}
 * @param deadLetters messages dead-lettered in this group and not re-driven
 */
public record GroupStatus(
        String channel,
        String group,
        long position,
        long lag,
        Duration lagAge,
        @Nullable String owner,
        @Nullable Instant leaseUntil,
        long deadLetters) {}
