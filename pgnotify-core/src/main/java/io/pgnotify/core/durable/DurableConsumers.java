package io.pgnotify.core.durable;

import io.pgnotify.core.ConnectionProvider;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumers of one {@link DurableChannels}, by subscription: a thread per (channel, group, partition), made when
 * subscribing, started with the channels (or at once after that) and stopped with them. {@link DurableChannels}
 * serialises adding, starting and stopping; ringing may come from any thread.
 */
final class DurableConsumers {

    private static final Logger log = LoggerFactory.getLogger(DurableChannels.class);

    private record Consumer(GroupStore store, GroupConsumer consumer, Thread thread) {}

    private final ConnectionProvider connections;
    private final DurableSettings settings;
    private final Map<String, List<Consumer>> consumers = new ConcurrentHashMap<>();

    DurableConsumers(ConnectionProvider connections, DurableSettings settings) {
        this.connections = connections;
        this.settings = settings;
    }

    /**
     * Makes the consumers of one subscription, one per partition, and starts them when the channels have started.
     *
     * @throws IllegalStateException if this (channel, group) is already subscribed here
     */
    void add(
            String channel,
            String group,
            int partitions,
            @Nullable DurableHandler handler,
            @Nullable Object transactional,
            boolean started) {
        String name = channel + "-" + group;
        if (consumers.containsKey(name)) {
            throw new IllegalStateException("Channel '" + channel + "', group '" + group + "' is already subscribed");
        }
        List<Consumer> partitionConsumers = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            GroupStore store =
                    new GroupStore(channel, group, p, partitions, settings.instance(), settings.leaseTimeout());
            GroupConsumer consumer = new GroupConsumer(
                    store,
                    settings,
                    new ConsumerConnection(connections, settings.leaseTimeout()),
                    handler,
                    transactional);
            Thread thread = new Thread(consumer, "pgnotify-durable-" + name + (partitions > 1 ? "-p" + p : ""));
            thread.setDaemon(true);
            partitionConsumers.add(new Consumer(store, consumer, thread));
        }
        if (started) {
            checkStoredPartitions(partitionConsumers.get(0).store());
            partitionConsumers.forEach(c -> c.thread().start());
        }
        consumers.put(name, List.copyOf(partitionConsumers));
    }

    /** Checks every subscription's stored partition count (see {@link #checkStoredPartitions(GroupStore)}). */
    void checkStoredPartitions() {
        for (List<Consumer> subscription : consumers.values()) {
            checkStoredPartitions(subscription.get(0).store());
        }
    }

    /**
     * Fails fast when the group is stored with another partition count; a database that cannot be reached now is left
     * to the consumers, which check again before taking a lease.
     */
    private void checkStoredPartitions(GroupStore store) {
        try (ConsumerConnection connection = new ConsumerConnection(connections, settings.leaseTimeout())) {
            connection.with(c -> {
                store.create(c, settings.startFrom());
                return null;
            });
        } catch (SQLException e) {
            log.debug(
                    "[{}] channel '{}', group '{}' not checked at start ({}); its consumers check it",
                    settings.instance(),
                    store.channel(),
                    store.group(),
                    e.toString());
        }
    }

    /** Starts every consumer's thread. */
    void start() {
        consumers.values().forEach(list -> list.forEach(c -> c.thread().start()));
    }

    boolean isEmpty() {
        return consumers.isEmpty();
    }

    /** The subscriptions, as {@code <channel>-<group>}. */
    Set<String> names() {
        return consumers.keySet();
    }

    /** Wakes every consumer to look for new messages. */
    void ringAll() {
        consumers.values().forEach(list -> list.forEach(c -> c.consumer().ring()));
    }

    /** Wakes the consumers of one subscription, if it is subscribed here. */
    void ring(String channel, String group) {
        List<Consumer> local = consumers.get(channel + "-" + group);
        if (local != null) {
            local.forEach(c -> c.consumer().ring());
        }
    }

    /**
     * Stops every consumer (each finishes the message in hand and releases its lease) and waits up to 10 s in all for
     * their threads.
     */
    void stop() {
        List<Consumer> all = consumers.values().stream().flatMap(List::stream).toList();
        all.forEach(c -> c.consumer().stop());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Consumer c : all) {
            try {
                long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                c.thread().join(left);
                if (c.thread().isAlive()) {
                    log.warn(
                            "[{}] {} still running 10 s after close",
                            settings.instance(),
                            c.thread().getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
