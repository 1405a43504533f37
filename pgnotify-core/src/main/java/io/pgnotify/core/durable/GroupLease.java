package io.pgnotify.core.durable;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer's lease on its (channel, group, partition): taking it, the position and in-flight mark written under its
 * epoch (each write renews it), renewing it when a third of the lease timeout has passed without a write, and
 * releasing it. A write the database refuses means another instance took the lease over. Used only by the consumer's
 * thread.
 */
final class GroupLease {

    private static final Logger log = LoggerFactory.getLogger(GroupConsumer.class);

    private final GroupStore store;
    private final DurableSettings settings;
    private final ConsumerConnection connection;

    private boolean owning;
    private long epoch;
    private long position;
    private long inflightMax;
    private long renewedAt;

    GroupLease(GroupStore store, DurableSettings settings, ConsumerConnection connection) {
        this.store = store;
        this.settings = settings;
        this.connection = connection;
    }

    boolean owning() {
        return owning;
    }

    long epoch() {
        return epoch;
    }

    /** Every message up to here is handled. */
    long position() {
        return position;
    }

    /** Every message up to here may have been handed to a handler. */
    long inflightMax() {
        return inflightMax;
    }

    /**
     * Takes the lease, with the position and in-flight mark stored under it.
     *
     * @return {@code false} when another instance holds it
     */
    boolean acquire() throws SQLException {
        GroupStore.Lease lease = connection.with(c -> store.acquire(c, settings.startFrom()));
        if (lease == null) {
            return false;
        }
        owning = true;
        epoch = lease.epoch();
        position = lease.position();
        inflightMax = lease.inflightMax();
        renewedAt = System.nanoTime();
        log.debug(
                "[{}] channel '{}', group '{}': lease taken at epoch {}, position {}",
                settings.instance(),
                store.channel(),
                store.group(),
                epoch,
                position);
        return true;
    }

    /**
     * Stops counting on the lease without writing: the next step takes it again, and so reads the position and
     * in-flight mark afresh from the database.
     */
    void forget() {
        owning = false;
    }

    /**
     * Writes the position and in-flight mark, renewing the lease.
     *
     * @return {@code false} when the lease was lost (see {@link #lost()})
     */
    boolean advance(long newPosition, long newInflightMax) throws SQLException {
        if (!connection.with(c -> store.advance(c, epoch, newPosition, newInflightMax))) {
            lost();
            return false;
        }
        position = Math.max(position, newPosition);
        inflightMax = newInflightMax;
        renewedAt = System.nanoTime();
        return true;
    }

    /**
     * Writes the position on a connection in the handler's transaction; {@link #acknowledged(long)} records it once
     * that transaction has committed.
     *
     * @throws DurableLeaseLostException if the lease was lost
     */
    void acknowledgeOn(Connection c, long newPosition) throws SQLException {
        if (!store.advance(c, epoch, newPosition, inflightMax)) {
            throw new DurableLeaseLostException(store.channel(), store.group(), epoch);
        }
    }

    /** Records a position the handler's transaction wrote, which renewed the lease. */
    void acknowledged(long newPosition) {
        position = Math.max(position, newPosition);
        renewedAt = System.nanoTime();
    }

    /** Whether a third of the lease timeout has passed since the lease was last written. */
    boolean due() {
        return System.nanoTime() - renewedAt
                > TimeUnit.MILLISECONDS.toNanos(settings.leaseTimeout().toMillis() / 3);
    }

    /** Renews the lease, if held, when it is {@link #due()}. */
    void renewIfDue() throws SQLException {
        if (owning && due()) {
            advance(position, inflightMax);
        }
    }

    /** Waits out a retry backoff, renewing the lease; only stopping, or losing the lease, ends it early. */
    void hold(long millis, ConsumerSignal signal) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long left;
        while (signal.running() && owning && (left = deadline - System.nanoTime()) > 0) {
            signal.await(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, settings.idleWaitMillis()), false);
            renewIfDue();
        }
    }

    /** Notes that another instance took the lease over: logged and reported to the listener. */
    void lost() {
        owning = false;
        log.warn(
                "[{}] channel '{}', group '{}': lease at epoch {} was taken over; batch dropped",
                settings.instance(),
                store.channel(),
                store.group(),
                epoch);
        settings.listener().onLeaseLost(store.channel(), store.group());
    }

    /** Whether the error, or one of its causes, is a refused acknowledgement. */
    static boolean lostIn(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof DurableLeaseLostException) {
                return true;
            }
        }
        return false;
    }

    /** Gives the lease up, if held, so another instance may take it over at once rather than when it expires. */
    void release() {
        if (!owning) {
            return;
        }
        owning = false;
        try {
            connection.with(c -> {
                store.release(c, epoch);
                return null;
            });
        } catch (SQLException e) {
            log.debug(
                    "[{}] channel '{}', group '{}': lease not released ({}); it expires",
                    settings.instance(),
                    store.channel(),
                    store.group(),
                    e.toString());
        }
    }
}
