package io.pgnotify.core.durable;

import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retention of one {@link DurableChannels}: deletes messages every group of their channel has passed and that are
 * older than the retention, and at intervals warns of groups that lag beyond it. The intervals run on a daemon thread,
 * {@code pgnotify-durable-retention}.
 */
final class DurableRetention {

    private static final Logger log = LoggerFactory.getLogger(DurableChannels.class);

    private final DurableOperations operations;
    private final DurableSettings settings;
    private final ScheduledExecutorService executor;

    DurableRetention(DurableOperations operations, DurableSettings settings) {
        this.operations = operations;
        this.settings = settings;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgnotify-durable-retention");
            t.setDaemon(true);
            return t;
        });
    }

    /** Deletes once; returns how many messages were deleted. */
    long retain() throws SQLException {
        return operations.retain(settings.retention());
    }

    /** Retains at intervals of the retention, but at least a second and at most a minute apart. */
    void start() {
        long every = Math.max(1000, Math.min(settings.retention().toMillis(), 60_000));
        executor.scheduleWithFixedDelay(this::retainQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    void stop() {
        executor.shutdownNow();
    }

    private void retainQuietly() {
        try {
            long deleted = retain();
            if (deleted > 0) {
                log.debug("[{}] retention deleted {} messages", settings.instance(), deleted);
            }
            for (GroupStatus status : operations.groups()) {
                if (status.lagAge().compareTo(settings.retention()) > 0) {
                    log.warn(
                            "[{}] channel '{}', group '{}' does not advance: {} messages behind, the oldest {} old,"
                                    + " beyond retention {}; its messages are kept",
                            settings.instance(),
                            status.channel(),
                            status.group(),
                            status.lag(),
                            status.lagAge(),
                            settings.retention());
                }
            }
        } catch (SQLException | RuntimeException e) {
            settings.listener().onError("*", null, e);
        }
    }
}
