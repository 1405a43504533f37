package io.pgnotify.spring.boot.autoconfigure;

import io.pgnotify.core.NotifyLimits;
import io.pgnotify.core.OverflowPolicy;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of PostgreSQL LISTEN/NOTIFY. Checked when bound: an invalid value fails the startup with a message
 * naming the property.
 */
@ConfigurationProperties("pgnotify")
public class PgNotifyProperties implements InitializingBean {

    /** Whether to listen for notifications and provide the PgNotifyTemplate. */
    private boolean enabled = true;

    /** How often the listening connection is pinged and probed with a notification to itself. */
    private Duration pingInterval = Duration.ofSeconds(30);

    /** How long a ping, a LISTEN or the probe may take before the connection is given up as dead. */
    private Duration pingTimeout = Duration.ofSeconds(5);

    /**
     * How long a listener method may run before it is reported and interrupted; the channel's other listeners carry
     * on, and a method that ignores the interrupt for two such timeouts has its subscription quarantined.
     */
    private Duration callbackTimeout = Duration.ofSeconds(30);

    /** How many received notifications may wait for their listener methods. */
    private int bufferSize = 100;

    /** What to do when the buffer is full: block reading (nothing lost), drop-newest or drop-oldest. */
    private OverflowPolicy overflowPolicy = OverflowPolicy.BLOCK;

    /** The largest payload accepted for publishing, in UTF-8 bytes (PostgreSQL's limit is 7999). */
    private int maxPayloadSize = 7999;

    /**
     * How long a graceful shutdown may take for buffered notifications and running listener methods to finish. Capped
     * by spring.lifecycle.timeout-per-shutdown-phase.
     */
    private Duration shutdownTimeout = Duration.ofSeconds(10);

    /** How many listener methods may run at once, across all channels. Default: the notifier's own default. */
    private @Nullable Integer maxWorkers;

    private final Listener listener = new Listener();

    private final Reconnect reconnect = new Reconnect();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Duration getPingInterval() {
        return pingInterval;
    }

    public void setPingInterval(Duration pingInterval) {
        this.pingInterval = pingInterval;
    }

    public Duration getPingTimeout() {
        return pingTimeout;
    }

    public void setPingTimeout(Duration pingTimeout) {
        this.pingTimeout = pingTimeout;
    }

    public Duration getCallbackTimeout() {
        return callbackTimeout;
    }

    public void setCallbackTimeout(Duration callbackTimeout) {
        this.callbackTimeout = callbackTimeout;
    }

    public int getBufferSize() {
        return bufferSize;
    }

    public void setBufferSize(int bufferSize) {
        this.bufferSize = bufferSize;
    }

    public OverflowPolicy getOverflowPolicy() {
        return overflowPolicy;
    }

    public void setOverflowPolicy(OverflowPolicy overflowPolicy) {
        this.overflowPolicy = overflowPolicy;
    }

    public int getMaxPayloadSize() {
        return maxPayloadSize;
    }

    public void setMaxPayloadSize(int maxPayloadSize) {
        this.maxPayloadSize = maxPayloadSize;
    }

    public Duration getShutdownTimeout() {
        return shutdownTimeout;
    }

    public void setShutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    public @Nullable Integer getMaxWorkers() {
        return maxWorkers;
    }

    public void setMaxWorkers(@Nullable Integer maxWorkers) {
        this.maxWorkers = maxWorkers;
    }

    public Listener getListener() {
        return listener;
    }

    public Reconnect getReconnect() {
        return reconnect;
    }

    @Override
    public void afterPropertiesSet() {
        positive("pgnotify.ping-interval", pingInterval);
        positive("pgnotify.ping-timeout", pingTimeout);
        positive("pgnotify.callback-timeout", callbackTimeout);
        check(bufferSize >= 1, "pgnotify.buffer-size must be at least 1, got " + bufferSize);
        check(overflowPolicy != null, "pgnotify.overflow-policy must be one of block, drop-newest, drop-oldest");
        check(
                maxPayloadSize >= 1 && maxPayloadSize <= NotifyLimits.MAX_PAYLOAD_BYTES,
                "pgnotify.max-payload-size must be between 1 and " + NotifyLimits.MAX_PAYLOAD_BYTES + ", got "
                        + maxPayloadSize);
        check(
                shutdownTimeout != null && !shutdownTimeout.isNegative(),
                "pgnotify.shutdown-timeout must not be negative, got " + shutdownTimeout);
        check(maxWorkers == null || maxWorkers >= 1, "pgnotify.max-workers must be at least 1, got " + maxWorkers);
        listener.validate();
        reconnect.validate();
    }

    private static void positive(String property, @Nullable Duration value) {
        check(value != null && !value.isNegative() && !value.isZero(), property + " must be positive, got " + value);
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The dedicated listening connection. */
    public static class Listener {

        /**
         * JDBC URL of the listening connection, for a direct connection beside a transaction-mode pooler such as
         * PgBouncer. Default: the application's DataSource URL.
         */
        private @Nullable String url;

        /** Login user of the listening connection. Default: the application's DataSource user. */
        private @Nullable String username;

        /** Login password of the listening connection. Default: the application's DataSource password. */
        private @Nullable String password;

        /** The application_name of the listening connection, as seen in pg_stat_activity. */
        private String applicationName = "pgnotify-listener";

        /** Whether @PgListener methods that do not say otherwise in their autoStartup start with the application. */
        private boolean autoStartup = true;

        /**
         * Lifecycle phase in which listening starts and stops. The default stops listening after the web server's
         * graceful shutdown, so requests still being served keep hearing notifications.
         */
        private int phase = PgListenerEndpointRegistry.DEFAULT_PHASE;

        /**
         * Driver properties of the listening connection (sslmode, sslrootcert, socketFactory...), over those of the
         * application's Hikari DataSource (spring.datasource.hikari.data-source-properties).
         */
        private final Map<String, String> properties = new LinkedHashMap<>();

        /** The most notifications a @PgListener(batch = true) method receives at once. */
        private int batchSize = 100;

        /**
         * Age at which the listening session is replaced by a new one, make-before-break and without losing or
         * repeating a notification (with up to 10% jitter). For proxies, poolers and managed databases that age
         * connections out, and for credentials that expire, such as IAM tokens. A rotation is not a reconnect. Default:
         * never.
         */
        private @Nullable Duration maxLifetime;

        private final Retry retry = new Retry();

        public boolean isAutoStartup() {
            return autoStartup;
        }

        public void setAutoStartup(boolean autoStartup) {
            this.autoStartup = autoStartup;
        }

        public int getPhase() {
            return phase;
        }

        public void setPhase(int phase) {
            this.phase = phase;
        }

        public int getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }

        public @Nullable Duration getMaxLifetime() {
            return maxLifetime;
        }

        public void setMaxLifetime(@Nullable Duration maxLifetime) {
            this.maxLifetime = maxLifetime;
        }

        public Map<String, String> getProperties() {
            return properties;
        }

        public Retry getRetry() {
            return retry;
        }

        public @Nullable String getUrl() {
            return url;
        }

        public void setUrl(@Nullable String url) {
            this.url = url;
        }

        public @Nullable String getUsername() {
            return username;
        }

        public void setUsername(@Nullable String username) {
            this.username = username;
        }

        public @Nullable String getPassword() {
            return password;
        }

        public void setPassword(@Nullable String password) {
            this.password = password;
        }

        public String getApplicationName() {
            return applicationName;
        }

        public void setApplicationName(String applicationName) {
            this.applicationName = applicationName;
        }

        void validate() {
            // The URL may carry credentials: the message names the property, never the value.
            check(
                    url == null || url.startsWith("jdbc:postgresql:"),
                    "pgnotify.listener.url must start with 'jdbc:postgresql:'");
            check(applicationName != null, "pgnotify.listener.application-name must not be null");
            int bytes = applicationName.getBytes(StandardCharsets.UTF_8).length;
            check(
                    bytes <= NotifyLimits.MAX_CHANNEL_BYTES,
                    "pgnotify.listener.application-name must be at most " + NotifyLimits.MAX_CHANNEL_BYTES
                            + " bytes, got " + bytes);
            check(batchSize >= 1, "pgnotify.listener.batch-size must be at least 1, got " + batchSize);
            check(
                    maxLifetime == null || (!maxLifetime.isNegative() && !maxLifetime.isZero()),
                    "pgnotify.listener.max-lifetime must be positive (or unset for never), got " + maxLifetime);
            retry.validate();
        }
    }

    /** Retrying a failing @PgListener method in place, before its error handler is told. */
    public static class Retry {

        /** Retries after the first failure; 0 means the failure goes to the error handler at once. */
        private long maxRetries = 0;

        /** Delay before the first retry; later delays grow by the multiplier. */
        private Duration delay = Duration.ofMillis(100);

        /** Factor by which the delay grows after each retry. */
        private double multiplier = 1.0;

        /** Longest delay between retries. */
        private Duration maxDelay = Duration.ofSeconds(5);

        /** Random amount added to or taken from each delay, to spread retries out. */
        private Duration jitter = Duration.ZERO;

        public long getMaxRetries() {
            return maxRetries;
        }

        public void setMaxRetries(long maxRetries) {
            this.maxRetries = maxRetries;
        }

        public Duration getDelay() {
            return delay;
        }

        public void setDelay(Duration delay) {
            this.delay = delay;
        }

        public double getMultiplier() {
            return multiplier;
        }

        public void setMultiplier(double multiplier) {
            this.multiplier = multiplier;
        }

        public Duration getMaxDelay() {
            return maxDelay;
        }

        public void setMaxDelay(Duration maxDelay) {
            this.maxDelay = maxDelay;
        }

        public Duration getJitter() {
            return jitter;
        }

        public void setJitter(Duration jitter) {
            this.jitter = jitter;
        }

        void validate() {
            check(
                    maxRetries >= 0,
                    "pgnotify.listener.retry.max-retries must be 0 (no retry) or more, got " + maxRetries);
            check(
                    delay != null && !delay.isNegative(),
                    "pgnotify.listener.retry.delay must not be negative, got " + delay);
            check(
                    maxDelay != null && maxDelay.compareTo(delay) >= 0,
                    "pgnotify.listener.retry.max-delay (" + maxDelay
                            + ") must not be less than pgnotify.listener.retry.delay (" + delay + ")");
            check(
                    multiplier >= 1.0 && !Double.isInfinite(multiplier),
                    "pgnotify.listener.retry.multiplier must be at least 1.0, got " + multiplier);
            check(
                    jitter != null && !jitter.isNegative(),
                    "pgnotify.listener.retry.jitter must not be negative, got " + jitter);
        }
    }

    /** Reconnecting after the listening connection was lost. */
    public static class Reconnect {

        /** Delay after the first failed connection attempt; later delays grow by the multiplier. */
        private Duration initialInterval = Duration.ofSeconds(1);

        /** Longest delay between connection attempts. */
        private Duration maxInterval = Duration.ofSeconds(30);

        /** Factor by which the delay grows after each failed attempt. */
        private double multiplier = 2.0;

        /** Failed connection attempts in a row before giving up; 0 means never give up. */
        private int maxAttempts = 0;

        public Duration getInitialInterval() {
            return initialInterval;
        }

        public void setInitialInterval(Duration initialInterval) {
            this.initialInterval = initialInterval;
        }

        public Duration getMaxInterval() {
            return maxInterval;
        }

        public void setMaxInterval(Duration maxInterval) {
            this.maxInterval = maxInterval;
        }

        public double getMultiplier() {
            return multiplier;
        }

        public void setMultiplier(double multiplier) {
            this.multiplier = multiplier;
        }

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        void validate() {
            positive("pgnotify.reconnect.initial-interval", initialInterval);
            positive("pgnotify.reconnect.max-interval", maxInterval);
            check(
                    maxInterval.compareTo(initialInterval) >= 0,
                    "pgnotify.reconnect.max-interval (" + maxInterval
                            + ") must not be less than pgnotify.reconnect.initial-interval (" + initialInterval + ")");
            check(
                    multiplier >= 1.0 && !Double.isInfinite(multiplier),
                    "pgnotify.reconnect.multiplier must be at least 1.0, got " + multiplier);
            check(
                    maxAttempts >= 0,
                    "pgnotify.reconnect.max-attempts must be 0 (unlimited) or more, got " + maxAttempts);
        }
    }
}
