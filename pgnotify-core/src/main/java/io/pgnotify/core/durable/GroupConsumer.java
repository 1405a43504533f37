package io.pgnotify.core.durable;

import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes one (channel, group, partition) on its own thread: takes the lease, reads a batch after the position, hands it to the
 * handler in order and advances the position once per batch (or per message, in the handler's transaction). A
 * refused (fenced) write means another instance took over: the batch is dropped and the lease sought again.
 */
final class GroupConsumer implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(GroupConsumer.class);

    private enum Outcome {
        DONE,
        DEAD,
        RETRY,
        LOST
    }

    private final GroupStore store;
    private final DurableSettings settings;
    private final @Nullable DurableHandler handler;
    private final @Nullable TransactionalDurableHandler transactional;
    private final @Nullable TransactionalBatchDurableHandler batches;
    private final ConsumerConnection connection;
    private final Object signal = new Object();
    private boolean rung; // guarded by signal
    private volatile boolean running = true;

    // Owned by the consumer thread.
    private boolean owning;
    private long epoch;
    private long position;
    private long inflightMax;
    private long renewedAt;
    private long singlesUntil; // a failed batch up to this id is handed over again one message at a time

    GroupConsumer(
            GroupStore store,
            DurableSettings settings,
            ConsumerConnection connection,
            @Nullable DurableHandler handler,
            @Nullable Object transactional) {
        this.store = store;
        this.settings = settings;
        this.connection = connection;
        this.handler = handler;
        if (transactional instanceof TransactionalBatchDurableHandler batch) {
            this.batches = batch;
            this.transactional = (message, acknowledgement) -> batch.handle(List.of(message), acknowledgement);
        } else {
            this.batches = null;
            this.transactional = (TransactionalDurableHandler) transactional;
        }
    }

    /** Wakes the consumer to look for new messages (the doorbell, or a re-drive). */
    void ring() {
        synchronized (signal) {
            rung = true;
            signal.notifyAll();
        }
    }

    void stop() {
        running = false;
        ring();
    }

    @Override
    public void run() {
        try {
            while (running) {
                try {
                    step();
                } catch (GroupStore.PartitionsChangedException e) {
                    owning = false;
                    running = false;
                    settings.listener().onError(store.channel(), store.group(), e);
                    log.error("[{}] {}; this consumer stops", settings.instance(), e.getMessage());
                } catch (SQLException | RuntimeException e) {
                    owning = false;
                    settings.listener().onError(store.channel(), store.group(), e);
                    log.warn(
                            "[{}] channel '{}', group '{}': {}; retrying",
                            settings.instance(),
                            store.channel(),
                            store.group(),
                            e.toString());
                    await(settings.pollInterval().toMillis(), false);
                }
            }
        } finally {
            release();
            connection.close();
        }
    }

    private void step() throws SQLException {
        if (!owning) {
            GroupStore.Lease lease = connection.with(c -> store.acquire(c, settings.startFrom()));
            if (lease == null) {
                await(settings.standbyWaitMillis(), true);
                return;
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
        }
        if (!deliverRedriven()) {
            return;
        }
        GroupStore.Batch read = connection.with(c -> store.read(c, position, inflightMax, settings.batchSize()));
        List<DurableMessage> batch = read.messages();
        if (batch.isEmpty()) {
            if (read.scannedTo() > position) {
                // Only other partitions' messages: move past them.
                advance(read.scannedTo(), inflightMax);
                return;
            }
            await(settings.idleWaitMillis(), true);
            renewIfDue();
            return;
        }
        long earlier = inflightMax;
        long last = batch.get(batch.size() - 1).id();
        if (last > inflightMax && !advance(position, last)) {
            return;
        }
        if (batches != null && batch.size() > 1 && batch.get(0).id() > singlesUntil && firstAttempts(batch)) {
            deliverBatch(batch, batches, read.scannedTo());
            return;
        }
        deliver(batch, earlier, read.scannedTo());
    }

    private static boolean firstAttempts(List<DurableMessage> batch) {
        for (DurableMessage m : batch) {
            if (m.attempt() > 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * Hands a whole batch to a batch handler, acknowledged in its transaction up to the end of the read. When it fails,
     * its transaction may or may not have committed the acknowledgement: the position is read again from the database
     * and the batch's messages go one per transaction, so the failing one is retried on its own.
     */
    private void deliverBatch(List<DurableMessage> batch, TransactionalBatchDurableHandler target, long scannedTo) {
        boolean[] acknowledged = {false};
        long last = batch.get(batch.size() - 1).id();
        try {
            target.handle(List.copyOf(batch), c -> {
                if (!store.advance(c, epoch, scannedTo, inflightMax)) {
                    throw new DurableLeaseLostException(store.channel(), store.group(), epoch);
                }
                acknowledged[0] = true;
            });
            if (!acknowledged[0]) {
                throw new IllegalStateException("The handler of channel '" + store.channel() + "', group '"
                        + store.group() + "' returned without acknowledging messages "
                        + batch.get(0).id() + " to "
                        + last);
            }
        } catch (Exception e) {
            if (causedByLeaseLoss(e)) {
                lost();
                return;
            }
            log.debug(
                    "[{}] channel '{}', group '{}': batch {} to {} failed ({}); handing it over one message at a time",
                    settings.instance(),
                    store.channel(),
                    store.group(),
                    batch.get(0).id(),
                    last,
                    e.toString());
            singlesUntil = last;
            owning = false;
            return;
        }
        position = Math.max(position, scannedTo);
        renewedAt = System.nanoTime();
        for (DurableMessage message : batch) {
            settings.listener().onDelivered(store.group(), message);
        }
    }

    /**
     * Hands a batch to the handler. It was recorded as handed out up to its last id before it started; when it ends
     * early, that record goes back to where it really ended (or to what an earlier owner had handed out), so only
     * messages a handler may have seen count as redelivered.
     */
    private void deliver(List<DurableMessage> batch, long earlier, long scannedTo) throws SQLException {
        long done = position;
        long handed = position;
        for (DurableMessage message : batch) {
            if (!running) {
                break;
            }
            handed = message.id();
            Outcome outcome = handle(message);
            if (outcome == Outcome.LOST) {
                return;
            }
            if (outcome == Outcome.RETRY) {
                if (!advance(done, Math.max(handed, earlier))) {
                    return;
                }
                pause(settings.retryBackoff()
                        .delay(Math.max(1, message.attempt()))
                        .toMillis());
                if (transactional != null) {
                    // The handler's transaction may have committed its acknowledgement before failing: re-read.
                    owning = false;
                }
                return;
            }
            done = Math.max(done, message.id());
            if (leaseDue() && !advance(done, inflightMax)) {
                return;
            }
        }
        boolean whole = handed == batch.get(batch.size() - 1).id();
        long recorded = whole ? inflightMax : Math.max(handed, earlier);
        if (whole) {
            done = Math.max(done, scannedTo);
        }
        if (done > position || recorded != inflightMax) {
            advance(done, recorded);
        }
    }

    private Outcome handle(DurableMessage message) throws SQLException {
        try {
            if (transactional != null) {
                handleInTransaction(message, transactional);
            } else {
                Objects.requireNonNull(handler).handle(message);
            }
            settings.listener().onDelivered(store.group(), message);
            return Outcome.DONE;
        } catch (DurableLeaseLostException e) {
            return lost();
        } catch (Exception e) {
            if (causedByLeaseLoss(e)) {
                return lost();
            }
            return failed(message, e);
        }
    }

    private void handleInTransaction(DurableMessage message, TransactionalDurableHandler target) throws Exception {
        boolean[] acknowledged = {false};
        target.handle(message, c -> {
            if (!store.advance(c, epoch, message.id(), inflightMax)) {
                throw new DurableLeaseLostException(store.channel(), store.group(), epoch);
            }
            acknowledged[0] = true;
        });
        if (!acknowledged[0]) {
            throw new IllegalStateException("The handler of channel '" + store.channel() + "', group '" + store.group()
                    + "' returned without acknowledging message " + message.id());
        }
        position = Math.max(position, message.id());
        renewedAt = System.nanoTime();
    }

    private Outcome failed(DurableMessage message, Exception error) throws SQLException {
        int attempts = connection.with(c -> store.recordFailure(c, epoch, message, error, settings.maxAttempts()));
        if (attempts < 0) {
            return lost();
        }
        if (attempts >= settings.maxAttempts()) {
            log.warn(
                    "[{}] channel '{}', group '{}': message {} dead-lettered after {} attempts: {}",
                    settings.instance(),
                    store.channel(),
                    store.group(),
                    message.id(),
                    attempts,
                    error.toString());
            settings.listener().onDeadLetter(store.group(), message, error);
            if (transactional != null && !advance(message.id(), inflightMax)) {
                return Outcome.LOST;
            }
            return Outcome.DEAD;
        }
        settings.listener().onRetry(store.group(), message, error);
        return Outcome.RETRY;
    }

    /** Delivers dead letters an operator re-drove; {@code false} when the lease was lost meanwhile. */
    private boolean deliverRedriven() throws SQLException {
        List<DurableMessage> redriven = connection.with(store::redriven);
        for (DurableMessage message : redriven) {
            Outcome outcome = handle(GroupStore.withAttempt(message, message.attempt()));
            if (outcome == Outcome.LOST) {
                return false;
            }
            if (outcome == Outcome.DONE) {
                connection.with(c -> {
                    store.forgetFailure(c, message.id());
                    return null;
                });
            } else if (outcome == Outcome.RETRY) {
                pause(settings.retryBackoff()
                        .delay(Math.max(1, message.attempt()))
                        .toMillis());
                return owning;
            }
        }
        return owning;
    }

    private static boolean causedByLeaseLoss(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof DurableLeaseLostException) {
                return true;
            }
        }
        return false;
    }

    private Outcome lost() {
        owning = false;
        log.warn(
                "[{}] channel '{}', group '{}': lease at epoch {} was taken over; batch dropped",
                settings.instance(),
                store.channel(),
                store.group(),
                epoch);
        settings.listener().onLeaseLost(store.channel(), store.group());
        return Outcome.LOST;
    }

    private boolean advance(long newPosition, long newInflightMax) throws SQLException {
        if (!connection.with(c -> store.advance(c, epoch, newPosition, newInflightMax))) {
            lost();
            return false;
        }
        position = Math.max(position, newPosition);
        inflightMax = newInflightMax;
        renewedAt = System.nanoTime();
        return true;
    }

    private boolean leaseDue() {
        return System.nanoTime() - renewedAt
                > TimeUnit.MILLISECONDS.toNanos(settings.leaseTimeout().toMillis() / 3);
    }

    private void renewIfDue() throws SQLException {
        if (owning && leaseDue()) {
            advance(position, inflightMax);
        }
    }

    /** Waits out a retry backoff, renewing the lease; only stopping ends it early. */
    private void pause(long millis) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long left;
        while (running && owning && (left = deadline - System.nanoTime()) > 0) {
            await(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, settings.idleWaitMillis()), false);
            renewIfDue();
        }
    }

    private void await(long millis, boolean wakeOnRing) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (signal) {
            long left;
            while (running && !(wakeOnRing && rung) && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(signal, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
            if (wakeOnRing) {
                rung = false;
            }
        }
    }

    private void release() {
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
