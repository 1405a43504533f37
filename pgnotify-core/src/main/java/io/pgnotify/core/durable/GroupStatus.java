package io.pgnotify.core.durable;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Where a group stands on a channel.
 *
 * @param channel the channel
 * @param group the group
 * @param position the id of the last message the group handled (or skipped as dead); with several partitions, the
 *     lowest of their positions
 * @param lag messages published after the position (of their partition)
 * @param lagAge how old the oldest of them is, {@link Duration#ZERO} when none
 * @param owner the instance holding the lease, or {@code null} when nobody holds it; with several partitions, every
 *     instance holding one, comma-separated
 * @param leaseUntil when that lease (the first of them to) expires, on the database clock, or {@code null}
 * @param deadLetters messages dead-lettered in this group and not re-driven
 * @param partitions how many partitions the group spreads the channel over
 */
public record GroupStatus(
        String channel,
        String group,
        long position,
        long lag,
        Duration lagAge,
        @Nullable String owner,
        @Nullable Instant leaseUntil,
        long deadLetters,
        int partitions) {}
