package io.pgnotify.core;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * The end-to-end probe of one session: a notification on the private channel, sent from the publisher's connection,
 * that the session must read back. Each probe has its own token, so a late result of an older probe (or of another
 * session's) is never taken for the current one's. The deadline runs from the moment the probe was sent (its
 * transaction committed), so a slow publisher is not mistaken for a listening connection that does not deliver.
 */
final class Probe {

    /** What the reader should do about the probe now. */
    enum Outcome {
        /** No probe is outstanding. */
        NONE,
        /** Keep reading, at most {@link #waitNanos} more. */
        WAITING,
        /** Sent, and not back within the ping timeout: the connection does not deliver. */
        FAILED,
        /** Could not be sent: the listening side is unproven, not broken; {@link #sendError} says why. */
        UNSENT
    }

    /** How many ping timeouts the probe may take to be sent (the publisher may have to reconnect first). */
    private static final int UNSENT_LIMIT = 3;

    private final Publisher publisher;
    private final Executor prober;
    private final String channel;
    private final String prefix;
    private final long pingTimeout;
    private long sequence;

    // Read by the prober too.
    private volatile @Nullable String token;
    private volatile @Nullable String sendError;
    private volatile long committedAt;
    private long sentAt;
    private long waitNanos;

    Probe(Publisher publisher, Executor prober, String channel, String prefix, Duration pingTimeout) {
        this.publisher = publisher;
        this.prober = prober;
        this.channel = channel;
        this.prefix = prefix;
        this.pingTimeout = pingTimeout.toNanos();
    }

    /** Sends a new probe; any older one is forgotten. */
    void send() {
        String next = prefix + (++sequence);
        token = next;
        sentAt = System.nanoTime();
        sendError = null;
        committedAt = 0;
        try {
            prober.execute(() -> {
                if (!next.equals(token)) {
                    return; // given up on meanwhile; a newer probe is (or will be) under way
                }
                try {
                    publisher.publish(channel, next);
                    long committed = System.nanoTime();
                    if (next.equals(token)) {
                        committedAt = committed == 0 ? 1 : committed;
                    }
                } catch (Exception e) {
                    if (next.equals(token)) {
                        sendError = Redaction.describe(e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            sendError = "the notifier is shutting down";
        }
    }

    boolean outstanding() {
        return token != null;
    }

    /** Whether a payload read on the private channel is the outstanding probe; if so, it is no longer outstanding. */
    boolean returned(@Nullable String payload) {
        String current = token;
        if (current != null && current.equals(payload)) {
            token = null;
            return true;
        }
        return false;
    }

    Duration roundTrip() {
        return Duration.ofNanos(System.nanoTime() - sentAt);
    }

    void forget() {
        token = null;
    }

    @Nullable
    String sendError() {
        return sendError;
    }

    long waitNanos() {
        return waitNanos;
    }

    /**
     * Where the probe stands. {@code grace} is the time the reader spent handing notifications over since the probe
     * was sent: the probe may be waiting unread in the socket meanwhile, which is a slow consumer, not a connection
     * that does not deliver (ReliabilityLoadTests shows the case).
     */
    Outcome check(long now, long grace) {
        if (token == null) {
            return Outcome.NONE;
        }
        if (sendError != null) {
            token = null;
            return Outcome.UNSENT;
        }
        long committed = committedAt;
        if (committed != 0) {
            waitNanos = committed + grace + pingTimeout - now;
            return waitNanos <= 0 ? Outcome.FAILED : Outcome.WAITING;
        }
        long unsentDeadline = sentAt + grace + UNSENT_LIMIT * pingTimeout;
        if (now - unsentDeadline >= 0) {
            // The publisher is stuck (a silent network on its connection, an exhausted pool).
            sendError = "not sent within " + Duration.ofNanos(UNSENT_LIMIT * pingTimeout);
            token = null;
            return Outcome.UNSENT;
        }
        waitNanos = unsentDeadline - now;
        return Outcome.WAITING;
    }
}
