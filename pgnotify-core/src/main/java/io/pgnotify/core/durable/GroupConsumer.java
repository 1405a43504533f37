package io.pgnotify.core.durable;

import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes one (channel, group, partition) on its own thread: takes the lease ({@link GroupLease}), reads a batch
 * after the position, hands it to the handler in order and advances the position once per batch (or per message, in
 * the handler's transaction). A refused (fenced) write means another instance took over: the batch is dropped and the
 * lease sought again.
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
    private final GroupLease lease;
    private final ConsumerSignal signal = new ConsumerSignal();

    // Owned by the consumer thread.
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
        this.lease = new GroupLease(store, settings, connection);
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
        signal.ring();
    }

    void stop() {
        signal.stop();
    }

    @Override
    public void run() {
        try {
            while (signal.running()) {
                try {
                    step();
                } catch (GroupStore.PartitionsChangedException e) {
                    lease.forget();
                    signal.stop();
                    settings.listener().onError(store.channel(), store.group(), e);
                    log.error("[{}] {}; this consumer stops", settings.instance(), e.getMessage());
                } catch (SQLException | RuntimeException e) {
                    lease.forget();
                    settings.listener().onError(store.channel(), store.group(), e);
                    log.warn(
                            "[{}] channel '{}', group '{}': {}; retrying",
                            settings.instance(),
                            store.channel(),
                            store.group(),
                            e.toString());
                    signal.await(settings.pollInterval().toMillis(), false);
                }
            }
        } finally {
            lease.release();
            connection.close();
        }
    }

    private void step() throws SQLException {
        if (!lease.owning() && !lease.acquire()) {
            signal.await(settings.standbyWaitMillis(), true);
            return;
        }
        if (!deliverRedriven()) {
            return;
        }
        GroupStore.Batch read =
                connection.with(c -> store.read(c, lease.position(), lease.inflightMax(), settings.batchSize()));
        List<DurableMessage> batch = read.messages();
        if (batch.isEmpty()) {
            if (read.scannedTo() > lease.position()) {
                // Only other partitions' messages: move past them.
                lease.advance(read.scannedTo(), lease.inflightMax());
                return;
            }
            signal.await(settings.idleWaitMillis(), true);
            lease.renewIfDue();
            return;
        }
        long earlier = lease.inflightMax();
        long last = batch.get(batch.size() - 1).id();
        if (last > earlier && !lease.advance(lease.position(), last)) {
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
                lease.acknowledgeOn(c, scannedTo);
                acknowledged[0] = true;
            });
            if (!acknowledged[0]) {
                throw new IllegalStateException("The handler of channel '" + store.channel() + "', group '"
                        + store.group() + "' returned without acknowledging messages "
                        + batch.get(0).id() + " to "
                        + last);
            }
        } catch (Exception e) {
            if (GroupLease.lostIn(e)) {
                lease.lost();
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
            lease.forget();
            return;
        }
        lease.acknowledged(scannedTo);
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
        long done = lease.position();
        long handed = done;
        for (DurableMessage message : batch) {
            if (!signal.running()) {
                break;
            }
            handed = message.id();
            Outcome outcome = handle(message);
            if (outcome == Outcome.LOST) {
                return;
            }
            if (outcome == Outcome.RETRY) {
                if (!lease.advance(done, Math.max(handed, earlier))) {
                    return;
                }
                lease.hold(settings.retryDelayMillis(message.attempt()), signal);
                if (transactional != null) {
                    // The handler's transaction may have committed its acknowledgement before failing: re-read.
                    lease.forget();
                }
                return;
            }
            done = Math.max(done, message.id());
            if (lease.due() && !lease.advance(done, lease.inflightMax())) {
                return;
            }
        }
        boolean whole = handed == batch.get(batch.size() - 1).id();
        long recorded = whole ? lease.inflightMax() : Math.max(handed, earlier);
        if (whole) {
            done = Math.max(done, scannedTo);
        }
        if (done > lease.position() || recorded != lease.inflightMax()) {
            lease.advance(done, recorded);
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
            if (GroupLease.lostIn(e)) {
                return lost();
            }
            return failed(message, e);
        }
    }

    private void handleInTransaction(DurableMessage message, TransactionalDurableHandler target) throws Exception {
        boolean[] acknowledged = {false};
        target.handle(message, c -> {
            lease.acknowledgeOn(c, message.id());
            acknowledged[0] = true;
        });
        if (!acknowledged[0]) {
            throw new IllegalStateException("The handler of channel '" + store.channel() + "', group '" + store.group()
                    + "' returned without acknowledging message " + message.id());
        }
        lease.acknowledged(message.id());
    }

    private Outcome failed(DurableMessage message, Exception error) throws SQLException {
        int attempts = connection.with(
                c -> store.failures().recordFailure(c, lease.epoch(), message, error, settings.maxAttempts()));
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
            if (transactional != null && !lease.advance(message.id(), lease.inflightMax())) {
                return Outcome.LOST;
            }
            return Outcome.DEAD;
        }
        settings.listener().onRetry(store.group(), message, error);
        return Outcome.RETRY;
    }

    /** Delivers dead letters an operator re-drove; {@code false} when the lease was lost meanwhile. */
    private boolean deliverRedriven() throws SQLException {
        List<DurableMessage> redriven = connection.with(store.failures()::redriven);
        for (DurableMessage message : redriven) {
            Outcome outcome = handle(GroupStore.withAttempt(message, message.attempt()));
            if (outcome == Outcome.LOST) {
                return false;
            }
            if (outcome == Outcome.DONE) {
                connection.with(c -> {
                    store.failures().forgetFailure(c, message.id());
                    return null;
                });
            } else if (outcome == Outcome.RETRY) {
                lease.hold(settings.retryDelayMillis(message.attempt()), signal);
                return lease.owning();
            }
        }
        return lease.owning();
    }

    private Outcome lost() {
        lease.lost();
        return Outcome.LOST;
    }
}
