package io.pgnotify.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGNotification;

/**
 * Reads one session until the notifier stops: applies channel changes, hands notifications to the supervisor, pings
 * and probes. Returns when stopping or when a rotation is due, and throws when the session is lost.
 *
 * <p>The listener thread starts it; with the notifier's own threads the reading loop itself runs on the workers, one
 * at a time, each passing it on when it runs a handler (see {@link LaneWorkers#handOver}), while the listener thread
 * waits for the loop's end. Its state lives in fields so that the next reader resumes it; the hand-over orders one
 * reader's writes before the next one's reads.
 */
final class SessionReader {

    /** The longest single wait for notifications, so that changes are picked up even if a wake-up is lost. */
    static final int MAX_WAIT_MILLIS = 500;

    private final Supervisor supervisor;
    private final Session session;
    private final Probe probe;
    private final Settings settings;
    private final String privateChannel;
    private final LaneWorkers workers;
    private final long pingInterval;
    private final long pingTimeout;
    // How the reading loop ended, when it ran on the workers: whether a rotation is due, or what it threw.
    private final CompletableFuture<Boolean> ended = new CompletableFuture<>();
    private final Runnable readOnWorker = this::readOnWorker;
    // Taken by the worker that reads; given up only to hand the reading over, kept once the loop has ended.
    private final AtomicBoolean reading = new AtomicBoolean();
    // Workers woken to take the reading that have not tried to yet.
    private final AtomicInteger comingToRead = new AtomicInteger();
    // Returned by the loop when another worker took the reading while this one tried to hand it over.
    private static final Object HANDED_BACK = new Object();
    // Returned by the loop, with the reading still taken, when the reading thread is to run `inlineLane` itself
    // while the watcher watches: no worker is woken (see ReadingWatcher).
    private static final Object INLINE = new Object();
    private final @Nullable ReadingWatcher watcher;
    // The reading thread's, while it holds the reading: the lane it runs inline and that run's token.
    private @Nullable Lane inlineLane;
    private long inlineSince;

    // The reading thread's (one at a time). A session taken over by a rotation is verified by the marker already.
    private boolean verified;
    private long nextPing;
    // Time spent handing notifications over since the probe was sent (see Probe.check).
    private long grace;
    private boolean rotationDue;

    SessionReader(
            Supervisor supervisor,
            Session session,
            Probe probe,
            Settings settings,
            String privateChannel,
            boolean verifiedAlready) {
        this.verified = verifiedAlready;
        this.supervisor = supervisor;
        this.session = session;
        this.probe = probe;
        this.settings = settings;
        this.privateChannel = privateChannel;
        this.workers = supervisor.control.dispatcher().workers();
        this.pingInterval = settings.pingInterval().toNanos();
        this.pingTimeout = settings.pingTimeout().toNanos();
        this.watcher = workers.watching
                ? new ReadingWatcher(
                        reading, () -> supervisor.stopping() || workers.pool.isShutdown() || ended.isDone())
                : null;
    }

    /** Reads until stopping (false) or until a rotation is due (true). Called by the listener thread. */
    boolean serve() throws Exception {
        if (!verified) {
            session.channels.sync(session.connection());
            supervisor.listened(session);
            probe.send();
        }
        nextPing = System.nanoTime() + pingInterval;
        comingToRead.incrementAndGet();
        if (!workers.startReader(readOnWorker)) {
            comingToRead.decrementAndGet();
            read(false);
            return rotationDue;
        }
        return awaitEnd();
    }

    /**
     * Waits for the reading loop on the workers to end. It ends by itself within one wait of stopping, and the
     * watchdog aborts a reader stuck past its wait plus the ping timeout; the timed wait only keeps this thread
     * from waiting blind.
     */
    private boolean awaitEnd() throws Exception {
        while (true) {
            try {
                return ended.get(10L * MAX_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // still reading
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Exception exception) {
                    throw exception;
                }
                throw (Error) cause;
            } catch (InterruptedException e) {
                // Shutdown gave up waiting: end the loop by closing its socket, and give it a moment to leave it.
                session.abort();
                try {
                    ended.get(2L * MAX_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException | InterruptedException ignored) {
                    // it ends when it notices
                }
                Thread.currentThread().interrupt();
                throw e;
            }
        }
    }

    /**
     * A worker's turn at reading: reads until it hands the reading over and runs a lane, then takes the reading back
     * if the worker it woke has not taken it yet, so that after a short handler the thread already running reads on
     * (the woken one finds the reading taken and goes back to wait); or until the loop ends.
     */
    private void readOnWorker() {
        comingToRead.decrementAndGet(); // only then may the reading wait for this thread (see read)
        // A follower that finds the reading taken back watches, unless another does (the watcher starts with the
        // first notification of a burst); it reads when it takes the reading over. A thread that ran a lane and
        // finds the reading taken goes back to the pool.
        boolean follower = true;
        while (reading.compareAndSet(false, true) || (follower && watcher != null && watcher.watch())) {
            follower = false;
            Thread.interrupted(); // an interrupt for a handler this thread ran before is not for the read
            Object turn;
            try {
                turn = read(true);
            } catch (Throwable t) {
                reading.set(true); // taken for good: no one reads this session again
                ended.completeExceptionally(t);
                return;
            }
            if (turn == null) {
                ended.complete(rotationDue);
                return;
            }
            if (turn == INLINE && watcher != null) {
                Lane inline = Objects.requireNonNull(inlineLane); // this thread still reads: its own fields
                long since = inlineSince;
                inlineLane = null;
                reading.set(false); // the watcher takes it if the run lasts a tick (ReadingWatcher)
                try {
                    workers.run(inline);
                } finally {
                    watcher.ended(since);
                }
            } else if (turn instanceof Lane lane) {
                workers.run(lane);
            } else {
                return; // HANDED_BACK
            }
        }
    }

    /**
     * The reading loop. With {@code handOver}, returns the {@link Lane} of a notification it read once another worker
     * has been woken to take over reading, for the calling thread to run, or {@link #HANDED_BACK} when a worker took
     * the reading while this one could not hand it over, or {@link #INLINE} with the reading still taken when it is to
     * run {@link #inlineLane} itself under the watcher's eye. Returns {@code null} when stopping or when a rotation is due
     * ({@link #rotationDue}).
     */
    private @Nullable Object read(boolean handOver) throws Exception {
        while (!supervisor.stopping()) {
            if (session.channels.behind()) {
                session.channels.sync(session.connection());
            }
            long now = System.nanoTime();
            if (verified && supervisor.rotationDue(session, now)) {
                rotationDue = true;
                return null;
            }
            long waitNanos;
            switch (probe.check(now, grace)) {
                case UNSENT -> {
                    supervisor.probeUnsent(String.valueOf(probe.sendError()));
                    if (!verified) {
                        verified = true;
                        supervisor.verified(session, now);
                    }
                    continue;
                }
                case FAILED ->
                    throw new ProbeFailedException("The probe notification on the private channel did not"
                            + " come back within " + settings.pingTimeout() + ": the connection does not deliver"
                            + " notifications (a transaction-mode pooler such as PgBouncer, or a proxy?)");
                case WAITING -> waitNanos = probe.waitNanos();
                default -> {
                    if (now - nextPing >= 0) {
                        ping();
                        probe.send();
                        grace = 0;
                        nextPing = System.nanoTime() + pingInterval;
                        continue;
                    }
                    waitNanos = nextPing - now;
                }
            }
            int waitMillis = (int) Math.max(1, Math.min(MAX_WAIT_MILLIS, TimeUnit.NANOSECONDS.toMillis(waitNanos) + 1));
            PGNotification[] batch = session.read(waitMillis, pingTimeout);
            if (batch == null) {
                continue;
            }
            long handOverStart = System.nanoTime();
            if (watcher != null) {
                watcher.read(handOverStart);
            }
            Lane kept = deliver(batch, handOver);
            if (probe.outstanding()) {
                grace += System.nanoTime() - handOverStart;
            }
            if (kept != null && watcher != null) {
                // Published (beginInline) before the lane is checked, so that a watcher about to retire stays.
                long since = watcher.beginInline();
                if (since != 0 && workers.reserveInline(kept)) {
                    watcher.runsInline(since);
                    inlineLane = kept;
                    inlineSince = since;
                    return INLINE;
                }
                watcher.ended(since);
                if (since == 0 && kept.reliablyShort()) {
                    watcher.wanted(); // no watcher: the follower this hand-over wakes, or a later one, watches
                }
            }
            if (kept != null) {
                // Given up before the next reader is woken, else it could find the reading still taken. A follower
                // woken before and still on its way takes it when it arrives: no other is woken for it.
                reading.set(false);
                boolean wake = comingToRead.get() == 0;
                if (wake) {
                    comingToRead.incrementAndGet();
                }
                if (workers.handOver(kept, wake ? readOnWorker : null)) {
                    return kept;
                }
                if (wake) {
                    comingToRead.decrementAndGet();
                }
                if (!reading.compareAndSet(false, true)) {
                    return HANDED_BACK; // a worker that finished its lane took the reading meanwhile
                }
            }
        }
        return null;
    }

    /** Hands a batch to the dispatcher; with {@code keep}, returns the lane it kept for this thread, if any. */
    private @Nullable Lane deliver(PGNotification[] batch, boolean keep) throws Exception {
        if (keep) {
            workers.beginClaim();
        }
        try {
            for (PGNotification received : batch) {
                if (privateChannel.equals(received.getName())) {
                    if (probe.returned(received.getParameter())) {
                        supervisor.probeReturned(session, probe.roundTrip());
                        if (!verified) {
                            verified = true;
                            supervisor.verified(session, System.nanoTime());
                        }
                    }
                    continue;
                }
                supervisor.deliver(received);
            }
        } catch (Throwable t) {
            workers.abandonClaim();
            throw t;
        }
        return workers.endClaim();
    }

    private void ping() throws Exception {
        try {
            supervisor.queueUsage(session.ping());
        } catch (Session.PingRefusedException e) {
            supervisor.pingRefused(e);
        }
    }

    /** The end-to-end probe did not come back: the connection accepts statements but does not deliver. */
    static final class ProbeFailedException extends java.sql.SQLException {
        private static final long serialVersionUID = 1L;

        ProbeFailedException(String message) {
            super(message, "08006");
        }
    }
}
