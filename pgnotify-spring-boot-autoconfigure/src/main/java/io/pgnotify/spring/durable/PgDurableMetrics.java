package io.pgnotify.spring.durable;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.pgnotify.core.durable.DurableListener;
import io.pgnotify.core.durable.DurableMessage;
import io.pgnotify.core.durable.GroupStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meters of durable channels, tagged {@code channel} and {@code group}: {@code pgnotify.durable.delivered},
 * {@code .retries} and {@code .dead-lettered} counters, and {@code pgnotify.durable.lag} (messages behind) and
 * {@code pgnotify.durable.lag.age} (seconds since the oldest unhandled message) gauges, read from the database at most
 * every 5 seconds.
 */
public final class PgDurableMetrics implements DurableListener, MeterBinder, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PgDurableMetrics.class);

    private final Supplier<List<GroupStatus>> groups;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgnotify-durable-metrics");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, GroupStatus> latest = new ConcurrentHashMap<>();
    private volatile @Nullable MeterRegistry registry;

    /**
     * Creates the meters' source.
     *
     * @param groups reads every group's status (from {@code DurableChannels.groups()})
     */
    public PgDurableMetrics(Supplier<List<GroupStatus>> groups) {
        this.groups = groups;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        refresher.scheduleWithFixedDelay(this::refreshQuietly, 0, 5, TimeUnit.SECONDS);
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // A metrics binder may swallow: the gauges keep their last values until the next read works.
            log.debug("Durable group lag not read: {}", e.toString());
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }

    /** Reads the groups' lag and registers gauges for groups seen for the first time. */
    public void refresh() {
        MeterRegistry meters = registry;
        for (GroupStatus status : groups.get()) {
            String key = status.channel() + "\u0000" + status.group();
            boolean first = latest.put(key, status) == null;
            if (first && meters != null) {
                Gauge.builder("pgnotify.durable.lag", latest, m -> lag(m, key))
                        .description("Messages published after the group's position")
                        .tags("channel", status.channel(), "group", status.group())
                        .register(meters);
                Gauge.builder("pgnotify.durable.lag.age", latest, m -> age(m, key))
                        .description("Age of the group's oldest unhandled message")
                        .baseUnit("seconds")
                        .tags("channel", status.channel(), "group", status.group())
                        .register(meters);
            }
        }
    }

    private static double lag(Map<String, GroupStatus> latest, String key) {
        GroupStatus status = latest.get(key);
        return status == null ? Double.NaN : status.lag();
    }

    private static double age(Map<String, GroupStatus> latest, String key) {
        GroupStatus status = latest.get(key);
        return status == null ? Double.NaN : status.lagAge().toMillis() / 1000.0;
    }

    private void count(String name, String description, DurableMessage message, String group) {
        MeterRegistry meters = registry;
        if (meters != null) {
            Counter.builder(name)
                    .description(description)
                    .tags("channel", message.channel(), "group", group)
                    .register(meters)
                    .increment();
        }
    }

    @Override
    public void onDelivered(String group, DurableMessage message) {
        count("pgnotify.durable.delivered", "Messages a group's handler completed", message, group);
    }

    @Override
    public void onRetry(String group, DurableMessage message, Throwable error) {
        count("pgnotify.durable.retries", "Handler failures that will be retried", message, group);
    }

    @Override
    public void onDeadLetter(String group, DurableMessage message, Throwable error) {
        count("pgnotify.durable.dead-lettered", "Messages given up after max-attempts", message, group);
    }
}
