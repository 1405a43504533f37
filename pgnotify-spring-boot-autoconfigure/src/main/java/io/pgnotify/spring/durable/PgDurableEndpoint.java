package io.pgnotify.spring.durable;

import io.pgnotify.core.durable.DeadLetter;
import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.core.durable.GroupStatus;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.jdbc.UncategorizedSQLException;

/**
 * The {@code pgnotifydurable} actuator endpoint: {@code GET /actuator/pgnotifydurable} lists every group's position,
 * lag, owner and dead letters; {@code GET /actuator/pgnotifydurable/{channel}/{group}} lists the group's dead letters;
 * {@code POST} to the same path re-drives them (all, or the one named by {@code messageId}).
 */
@Endpoint(id = "pgnotifydurable")
public final class PgDurableEndpoint {

    private final DurableChannels durable;

    /**
     * Creates the endpoint.
     *
     * @param durable the durable channels
     */
    public PgDurableEndpoint(DurableChannels durable) {
        this.durable = Objects.requireNonNull(durable, "'durable' must not be null");
    }

    /**
     * Every group, as stored in the database.
     *
     * @return the groups
     */
    @ReadOperation
    public Map<String, Object> groups() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("instance", durable.instance());
        body.put(
                "groups",
                call(durable::groups).stream().map(PgDurableEndpoint::describe).toList());
        return body;
    }

    /**
     * A group's dead letters, oldest first (at most 100).
     *
     * @param channel the channel
     * @param group the group
     * @return the dead letters
     */
    @ReadOperation
    public List<Map<String, Object>> deadLetters(@Selector String channel, @Selector String group) {
        List<Map<String, Object>> letters = new ArrayList<>();
        for (DeadLetter letter : call(() -> durable.deadLetters(channel, group, 100))) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", letter.message().id());
            entry.put("key", letter.message().key());
            entry.put("payload", letter.message().payload());
            entry.put("attempts", letter.message().attempt());
            entry.put("lastError", letter.lastError());
            entry.put("failedAt", letter.failedAt().toString());
            letters.add(entry);
        }
        return letters;
    }

    /**
     * Re-drives a group's dead letters.
     *
     * @param channel the channel
     * @param group the group
     * @param messageId one message, or {@code null} for all
     * @return how many were re-driven
     */
    @WriteOperation
    public Map<String, Object> redrive(@Selector String channel, @Selector String group, @Nullable Long messageId) {
        return Map.of("redriven", call(() -> durable.redrive(channel, group, messageId)));
    }

    private static Map<String, Object> describe(GroupStatus status) {
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("channel", status.channel());
        group.put("group", status.group());
        group.put("position", status.position());
        group.put("lag", status.lag());
        group.put("lagAge", status.lagAge().toString());
        group.put("owner", status.owner());
        group.put(
                "leaseUntil",
                status.leaseUntil() == null ? null : status.leaseUntil().toString());
        group.put("deadLetters", status.deadLetters());
        group.put("partitions", status.partitions());
        return group;
    }

    @FunctionalInterface
    private interface Query<T> {
        T run() throws SQLException;
    }

    private static <T> T call(Query<T> query) {
        try {
            return query.run();
        } catch (SQLException e) {
            throw new UncategorizedSQLException("read durable channels", null, e);
        }
    }
}
