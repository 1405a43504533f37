package io.pgnotify.spring.durable;

import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.core.durable.GroupStatus;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The durable channels' part of the {@code pgnotify} health component (its {@code durable} detail): each group's
 * position, lag, age of its oldest unhandled message, owner and dead letters, under {@code groups}. UP when the groups can be read; UNKNOWN when the durable schema is not
 * installed (an application that does not use durable channels); DOWN when the database cannot be read.
 */
public final class PgDurableHealthIndicator implements HealthIndicator {

    private static final String UNDEFINED_TABLE = "42P01";

    private final DurableChannels durable;

    /**
     * Creates the indicator.
     *
     * @param durable the durable channels
     */
    public PgDurableHealthIndicator(DurableChannels durable) {
        this.durable = Objects.requireNonNull(durable, "'durable' must not be null");
    }

    @Override
    public Health health() {
        try {
            Map<String, Object> groups = new LinkedHashMap<>();
            for (GroupStatus status : durable.groups()) {
                Map<String, Object> group = new LinkedHashMap<>();
                group.put("position", status.position());
                group.put("lag", status.lag());
                group.put("lagAge", status.lagAge().toString());
                group.put("owner", status.owner() == null ? "none" : status.owner());
                group.put("deadLetters", status.deadLetters());
                if (status.partitions() > 1) {
                    group.put("partitions", status.partitions());
                }
                groups.put(status.channel() + "/" + status.group(), group);
            }
            return Health.up()
                    .withDetail("instance", durable.instance())
                    .withDetail("groups", groups)
                    .build();
        } catch (SQLException e) {
            if (UNDEFINED_TABLE.equals(e.getSQLState())) {
                return Health.unknown()
                        .withDetail("schema", "not installed (pgnotify.durable.initialize-schema)")
                        .build();
            }
            return Health.down()
                    .withDetail("error", e.getClass().getSimpleName() + ": " + e.getMessage())
                    .build();
        }
    }
}
