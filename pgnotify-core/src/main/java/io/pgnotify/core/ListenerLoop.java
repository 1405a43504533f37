package io.pgnotify.core;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.core.BaseConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener thread: connects, LISTENs, reads notifications, pings, probes and reconnects. It alone uses the
 * listening connection; other threads change what it listens to through {@link Subscriptions} and wake it with a
 * notification on its private channel.
 */
final class ListenerLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    /** The longest single wait for notifications, so that changes are picked up even if a wake-up is lost. */
    private static final int MAX_WAIT_MILLIS = 500;

    private static final String WAKE = "wake";

    /** How many ping timeouts the probe may take to be sent (the publisher may have to reconnect first). */
    private static final int UNSENT_PROBE_LIMIT = 3;

    private final Settings settings;
    private final Subscriptions subscriptions;
    private Dispatcher dispatcher;
    private final NotifierListener hooks;
    private final AtomicReference<NotifierState> state;
    private final Publisher publisher;
    private ExecutorService prober;
    private final ReconnectPolicy policy;
    private final OwnedThreads owned;
    private final String name;

    /** Private to this notifier: carries the end-to-end probe and wake-ups. */
    final String privateChannel =
            "pgnotify." + Long.toHexString(ThreadLocalRandom.current().nextLong());

    private final ReentrantLock pauseLock = new ReentrantLock();
    private final Condition pauseOver = pauseLock.newCondition();
    private final Object listenedMonitor = new Object();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private volatile boolean stopping;
    // When stop() found it listening (0: it was not); a restart counts its gap from then.
    private volatile long stoppedWhileListeningAt;

    // Used by the listener thread only; other threads may only abort it to unblock the thread at shutdown.
    private volatile @Nullable Connection connection;

    // Listener thread only.
    private int failures;
    private boolean connectedBefore;
    private long disconnectedAtNanos;
    private long appliedVersion = -1;
    private long probeSequence;
    // Read by the prober too, so that a late result of an older probe is not taken for the current one's.
    private volatile @Nullable String probeToken;
    private long probeSentAt;
    private double lastQueueUsage;

    // Written by the listener thread (and the prober for probeSendError), read by anyone.
    private volatile Set<String> listened = Set.of();
    // Channels the server refused to LISTEN to while the connection itself was fine: channel -> why. Until
    // unsubscribed.
    private final Map<String, String> rejected = new ConcurrentHashMap<>();
    private volatile int backendPid;
    private volatile @Nullable Instant connectedSince;
    private volatile @Nullable Instant lastReconnectAt;
    private volatile @Nullable Instant lastPingAt;
    private volatile double queueUsage;
    private volatile @Nullable String lastError;
    private volatile int failedAttempts;
    private volatile long reconnects;
    private volatile @Nullable String probeSendError;
    private volatile long probeCommittedAt;

    ListenerLoop(
            Settings settings,
            Subscriptions subscriptions,
            Dispatcher dispatcher,
            NotifierListener hooks,
            AtomicReference<NotifierState> state,
            Publisher publisher,
            ExecutorService prober,
            OwnedThreads owned) {
        this.owned = owned;
        this.settings = settings;
        this.subscriptions = subscriptions;
        this.dispatcher = dispatcher;
        this.hooks = hooks;
        this.state = state;
        this.publisher = publisher;
        this.prober = prober;
        this.policy = settings.reconnectPolicy();
        this.name = settings.name();
    }

    @Override
    public void run() {
        while (!stopping) {
            if (failures > 0) {
                if (settings.maxReconnectAttempts() > 0 && failures >= settings.maxReconnectAttempts()) {
                    giveUp();
                    return;
                }
                if (!pause(policy.nextDelay(failures))) {
                    break;
                }
            }
            Connection c = null;
            boolean verified = false;
            try {
                c = open();
                connection = c;
                if (stopping) {
                    break;
                }
                verified = serve(c);
            } catch (Throwable t) {
                verified = listened.contains(privateChannel) && state.get() == NotifierState.LISTENING;
                if (c != null) {
                    deliverReadBeforeError(c);
                }
                lost(c, t, verified);
                c = null;
            } finally {
                if (c != null) {
                    close(c, true);
                }
            }
        }
        connection = null;
        listened = Set.of();
    }

    /** Reads notifications until stopped; returns normally only when stopping. */
    private boolean serve(Connection c) throws Exception {
        PGConnection pg = c.unwrap(PGConnection.class);
        PromptDelivery.apply(pg);
        syncChannels(c, true);
        sendProbe();
        boolean verified = false;
        long pingInterval = settings.pingInterval().toNanos();
        long pingTimeout = settings.pingTimeout().toNanos();
        long nextPing = System.nanoTime() + pingInterval;
        // Time spent handing notifications to the dispatcher (blocked under BLOCK) since the probe was sent: the probe
        // may be waiting unread in the socket meanwhile, which is a slow consumer, not a connection that does not
        // deliver (ReliabilityLoadTests shows the case).
        long probeGrace = 0;
        while (!stopping) {
            if (subscriptions.version() != appliedVersion) {
                syncChannels(c, false);
            }
            long now = System.nanoTime();
            long waitNanos;
            if (probeToken != null) {
                String sendError = probeSendError;
                if (sendError != null) {
                    // The publisher could not send the probe: the listening side is unproven, not broken.
                    lastError = "The probe notification could not be sent: " + sendError;
                    probeToken = null;
                    if (!verified) {
                        verified = true;
                        listening(now);
                    }
                    continue;
                }
                // The deadline runs from when the probe was committed, so a slow publisher (a busy pool) is
                // not mistaken for a listening connection that does not deliver.
                long committedAt = probeCommittedAt;
                if (committedAt != 0 && now - committedAt - probeGrace >= pingTimeout) {
                    throw new ProbeFailedException("The probe notification on the private channel did not come back"
                            + " within " + settings.pingTimeout() + ": the connection does not deliver"
                            + " notifications (a transaction-mode pooler such as PgBouncer, or a proxy?)");
                }
                if (committedAt == 0 && now - probeSentAt - probeGrace >= UNSENT_PROBE_LIMIT * pingTimeout) {
                    // The publisher is stuck (a silent network on its connection, an exhausted pool): the listening
                    // side is unproven, not broken; pinging goes on and the next probe tries again.
                    probeSendError = "not sent within " + settings.pingTimeout().multipliedBy(UNSENT_PROBE_LIMIT);
                    continue;
                }
                waitNanos = committedAt != 0
                        ? committedAt + probeGrace + pingTimeout - now
                        : Math.min(
                                MAX_WAIT_MILLIS * 1_000_000L,
                                probeSentAt + probeGrace + UNSENT_PROBE_LIMIT * pingTimeout - now);
            } else if (now - nextPing >= 0) {
                ping(c);
                sendProbe();
                probeGrace = 0;
                nextPing = System.nanoTime() + pingInterval;
                continue;
            } else {
                waitNanos = nextPing - now;
            }
            int waitMillis = (int) Math.max(1, Math.min(MAX_WAIT_MILLIS, TimeUnit.NANOSECONDS.toMillis(waitNanos) + 1));
            PGNotification[] batch = pg.getNotifications(waitMillis);
            if (batch == null) {
                continue;
            }
            long handOverStart = System.nanoTime();
            for (PGNotification received : batch) {
                String channel = received.getName();
                if (privateChannel.equals(channel)) {
                    if (probeToken != null && probeToken.equals(received.getParameter())) {
                        probeReturned();
                        if (!verified) {
                            verified = true;
                            listening(System.nanoTime());
                        }
                    }
                    continue;
                }
                Notification notification =
                        new Notification(channel, received.getParameter(), received.getPID(), Instant.now());
                hooks.onNotification(notification);
                dispatcher.offer(notification);
            }
            if (probeToken != null) {
                probeGrace += System.nanoTime() - handOverStart;
            }
        }
        return verified;
    }

    /**
     * pgjdbc reads every buffered message in one call (of getNotifications, or of any statement such as the ping): when
     * the server sent notifications and then an error (a terminated backend's FATAL), it throws and keeps the
     * notifications it had read. They arrived while listening, so they are delivered before the connection is given
     * up (ReliabilityFaultTests shows the case).
     */
    private void deliverReadBeforeError(Connection c) {
        try {
            for (PGNotification received :
                    c.unwrap(BaseConnection.class).getQueryExecutor().getNotifications()) {
                if (!privateChannel.equals(received.getName())) {
                    Notification notification = new Notification(
                            received.getName(), received.getParameter(), received.getPID(), Instant.now());
                    hooks.onNotification(notification);
                    dispatcher.offer(notification);
                }
            }
        } catch (SQLException | RuntimeException e) {
            log.debug("[{}] could not take the notifications read before the error: {}", name, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Connection open() throws SQLException {
        Connection c = settings.provider().getConnection();
        if (c == null) {
            throw new SQLException("The ConnectionProvider returned no connection");
        }
        try {
            PGConnection pg = c.unwrap(PGConnection.class);
            // A listener in a transaction receives nothing until it ends: the listening connection is autocommit.
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            // Bounds every statement on this connection (LISTEN, ping), which is how a silent network is detected.
            c.setNetworkTimeout(Runnable::run, (int)
                    Math.min(Integer.MAX_VALUE, settings.pingTimeout().toMillis()));
            c.setClientInfo("ApplicationName", settings.applicationName());
            backendPid = pg.getBackendPID();
            return c;
        } catch (SQLException | RuntimeException e) {
            close(c, false);
            throw e;
        }
    }

    /** LISTENs and UNLISTENs to match the subscriptions, all in one round trip. */
    private void syncChannels(Connection c, boolean fresh) throws SQLException {
        long version = subscriptions.version();
        Set<String> wanted = new HashSet<>(subscriptions.channels());
        rejected.keySet().retainAll(wanted);
        wanted.removeAll(rejected.keySet());
        Set<String> current = fresh ? Set.of() : listened;
        List<String> listen = new ArrayList<>();
        List<String> unlisten = new ArrayList<>();
        if (fresh) {
            listen.add(privateChannel);
        }
        for (String channel : wanted) {
            if (!current.contains(channel)) {
                listen.add(channel);
            }
        }
        for (String channel : current) {
            if (!wanted.contains(channel) && !channel.equals(privateChannel)) {
                unlisten.add(channel);
            }
        }
        if (!listen.isEmpty() || !unlisten.isEmpty()) {
            StringBuilder sql = new StringBuilder();
            listen.forEach(channel -> appendCommand(sql, "LISTEN", channel));
            unlisten.forEach(channel -> appendCommand(sql, "UNLISTEN", channel));
            try {
                execute(c, sql.toString());
            } catch (SQLException e) {
                if (ChannelErrors.isConnectionFailure(e, c)) {
                    throw listenFailed(e);
                }
                // Refused as a statement on a working connection: find the channel(s) it is about, one at a time.
                listenOneByOne(c, listen, unlisten, wanted, e);
            }
        }
        wanted.add(privateChannel);
        synchronized (listenedMonitor) {
            listened = Set.copyOf(wanted);
            appliedVersion = version;
            listenedMonitor.notifyAll();
        }
    }

    private void listenOneByOne(
            Connection c, List<String> listen, List<String> unlisten, Set<String> wanted, SQLException batchError)
            throws SQLException {
        for (String channel : listen) {
            StringBuilder sql = new StringBuilder();
            appendCommand(sql, "LISTEN", channel);
            try {
                execute(c, sql.toString());
            } catch (SQLException e) {
                if (channel.equals(privateChannel) || ChannelErrors.isConnectionFailure(e, c)) {
                    throw listenFailed(channel.equals(privateChannel) ? batchError : e);
                }
                wanted.remove(channel);
                String why = describe(e);
                rejected.put(channel, why);
                log.warn(
                        "[{}] the server refused to LISTEN to channel '{}': {}; the other channels listen",
                        name,
                        channel,
                        why);
                hooks.onError(
                        new SQLException(
                                "The server refused to LISTEN to channel '" + channel + "': " + why,
                                e.getSQLState(),
                                e),
                        channel);
            }
        }
        for (String channel : unlisten) {
            StringBuilder sql = new StringBuilder();
            appendCommand(sql, "UNLISTEN", channel);
            try {
                execute(c, sql.toString());
            } catch (SQLException e) {
                if (ChannelErrors.isConnectionFailure(e, c)) {
                    throw listenFailed(e);
                }
                log.warn("[{}] UNLISTEN of channel '{}' refused: {}", name, channel, describe(e));
            }
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement statement = c.createStatement()) {
            statement.execute(sql);
        }
    }

    private static SQLException listenFailed(SQLException e) {
        String hint =
                "25006".equals(e.getSQLState()) ? " (the server is a read-only standby; LISTEN needs the primary)" : "";
        return new SQLException("LISTEN failed: " + e.getMessage() + hint, e.getSQLState(), e);
    }

    /** Why the server refused to LISTEN to a channel, or {@code null} if it did not. */
    @Nullable
    String rejection(String channel) {
        return rejected.get(channel);
    }

    /** Channel names are exact: always quoted, with embedded quotes doubled, so nothing is folded or injected. */
    static void appendCommand(StringBuilder sql, String command, String channel) {
        sql.append(command).append(" \"").append(channel.replace("\"", "\"\"")).append("\";");
    }

    private void ping(Connection c) throws SQLException {
        try (Statement statement = c.createStatement();
                ResultSet rs = statement.executeQuery("SELECT pg_notification_queue_usage()")) {
            rs.next();
            lastQueueUsage = rs.getDouble(1);
            queueUsage = lastQueueUsage;
        }
    }

    /** Sends the probe from another connection, the publisher's: the listener must receive it like any notification. */
    private void sendProbe() {
        String token = "probe:" + (++probeSequence);
        probeToken = token;
        probeSentAt = System.nanoTime();
        probeSendError = null;
        probeCommittedAt = 0;
        try {
            prober.execute(() -> {
                if (!token.equals(probeToken)) {
                    return; // given up on meanwhile; a newer probe is (or will be) under way
                }
                try {
                    publisher.publish(privateChannel, token);
                    long committed = System.nanoTime();
                    if (token.equals(probeToken)) {
                        probeCommittedAt = committed == 0 ? 1 : committed;
                    }
                } catch (Exception e) {
                    if (token.equals(probeToken)) {
                        probeSendError = describe(e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            probeSendError = "the notifier is shutting down";
        }
    }

    private void probeReturned() {
        Duration roundTrip = Duration.ofNanos(System.nanoTime() - probeSentAt);
        probeToken = null;
        lastPingAt = Instant.now();
        lastError = null;
        hooks.onPing(roundTrip, lastQueueUsage);
    }

    private void listening(long nowNanos) {
        int attempts = failures + 1;
        failures = 0;
        failedAttempts = 0;
        connectedSince = Instant.now();
        if (!stopping) {
            setState(NotifierState.LISTENING);
        }
        hooks.onConnect();
        if (connectedBefore) {
            Duration downtime = Duration.ofNanos(nowNanos - disconnectedAtNanos);
            reconnects++;
            lastReconnectAt = Instant.now();
            log.info(
                    "[{}] reconnected after {} attempt(s), {} ms without listening; notifications sent meanwhile"
                            + " were lost",
                    name,
                    attempts,
                    downtime.toMillis());
            hooks.onReconnect(attempts, downtime);
        } else {
            log.info("[{}] listening to {} channel(s) (backend pid {})", name, listened.size() - 1, backendPid);
        }
        connectedBefore = true;
    }

    private void lost(@Nullable Connection c, Throwable cause, boolean wasListening) {
        if (c != null) {
            close(c, false);
        }
        connection = null;
        listened = Set.of();
        backendPid = 0;
        connectedSince = null;
        probeToken = null;
        if (stopping) {
            return;
        }
        lastError = describe(cause);
        if (wasListening) {
            disconnectedAtNanos = System.nanoTime();
            setState(NotifierState.RECONNECTING);
            log.warn("[{}] listening connection lost: {}; reconnecting", name, lastError);
            hooks.onDisconnect(cause);
        } else {
            failures++;
            failedAttempts = failures;
            setState(connectedBefore ? NotifierState.RECONNECTING : NotifierState.CONNECTING);
            log.warn("[{}] connection attempt {} failed: {}", name, failures, lastError);
            hooks.onError(cause, null);
        }
        if (cause instanceof VirtualMachineError error && !(cause instanceof StackOverflowError)) {
            throw error;
        }
    }

    private void giveUp() {
        String message = "Gave up after " + failures + " failed connection attempt(s) (maxReconnectAttempts = "
                + settings.maxReconnectAttempts() + "); last error: " + lastError;
        setState(NotifierState.FAILED);
        log.error("[{}] {}", name, message);
        hooks.onError(new SQLException(message, "08001"), null);
    }

    private void setState(NotifierState next) {
        NotifierState current;
        do {
            current = state.get();
            if (current == NotifierState.STOPPING || current == NotifierState.STOPPED) {
                return;
            }
        } while (!state.compareAndSet(current, next));
        synchronized (listenedMonitor) {
            listenedMonitor.notifyAll();
        }
    }

    /** Waits out a backoff delay; false when shutdown began meanwhile. */
    private boolean pause(Duration delay) {
        long deadline = System.nanoTime() + delay.toNanos();
        pauseLock.lock();
        try {
            long remaining;
            while (!stopping && (remaining = deadline - System.nanoTime()) > 0) {
                pauseOver.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pauseLock.unlock();
        }
        return !stopping;
    }

    private void close(Connection c, boolean unlisten) {
        try {
            if (unlisten && !c.isClosed()) {
                try (Statement statement = c.createStatement()) {
                    statement.execute("UNLISTEN *");
                }
            }
        } catch (SQLException e) {
            log.debug("[{}] UNLISTEN at close failed: {}", name, e.toString());
        } finally {
            try {
                c.close();
            } catch (SQLException e) {
                log.debug("[{}] closing the listening connection failed: {}", name, e.toString());
            }
        }
    }

    /** Called by any thread when the set of channels changed: wakes the listener thread to apply it. */
    void channelsChanged() {
        if (state.get() != NotifierState.LISTENING || !wakePending.compareAndSet(false, true)) {
            return;
        }
        try {
            prober.execute(() -> {
                wakePending.set(false);
                try {
                    publisher.publish(privateChannel, WAKE);
                } catch (Exception e) {
                    log.debug("[{}] wake-up failed ({}); the change applies within {} ms", name, e, MAX_WAIT_MILLIS);
                }
            });
        } catch (RejectedExecutionException e) {
            wakePending.set(false);
        }
    }

    /** Waits until a channel is listened to, while the notifier is listening; bounded by the timeout. */
    void awaitListened(String channel, Duration timeout) {
        if (owned.isCurrent()) {
            // Called from a hook or handler of this notifier: waiting here could wait on itself (the listener thread
            // blocked on a full buffer that this very handler drains). The change applies on the loop's next turn.
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (listenedMonitor) {
            while (!listened.contains(channel)
                    && subscriptions.has(channel)
                    && !rejected.containsKey(channel)
                    && state.get() == NotifierState.LISTENING
                    && !stopping) {
                long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remaining <= 0) {
                    return;
                }
                try {
                    listenedMonitor.wait(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Prepares a new run after {@link #stop}, before its thread starts: the subscriptions are LISTENed to afresh and,
     * when it was listening before, the time since the stop is announced as the downtime of a reconnect.
     */
    void restart(Dispatcher dispatcher, ExecutorService prober) {
        this.dispatcher = dispatcher;
        this.prober = prober;
        this.stopping = false;
        this.failures = 0;
        this.appliedVersion = -1;
        this.probeToken = null;
        this.wakePending.set(false);
        if (stoppedWhileListeningAt != 0) {
            disconnectedAtNanos = stoppedWhileListeningAt;
            stoppedWhileListeningAt = 0;
        }
    }

    /**
     * Begins shutdown: no further connection attempt starts, the dispatcher stops blocking, the thread wakes.
     *
     * @param wasListening whether the notifier was listening, so that a restart announces the gap from now on
     */
    void stop(boolean wasListening) {
        if (wasListening) {
            long now = System.nanoTime();
            stoppedWhileListeningAt = now == 0 ? 1 : now;
        }
        stopping = true;
        pauseLock.lock();
        try {
            pauseOver.signalAll();
        } finally {
            pauseLock.unlock();
        }
        dispatcher.stopBlocking();
        synchronized (listenedMonitor) {
            listenedMonitor.notifyAll();
        }
        if (connection != null) {
            try {
                prober.execute(() -> {
                    try {
                        publisher.publish(privateChannel, WAKE);
                    } catch (Exception e) {
                        log.debug("[{}] wake-up at shutdown failed: {}", name, e.toString());
                    }
                });
            } catch (RejectedExecutionException ignored) {
                // the loop notices within MAX_WAIT_MILLIS
            }
        }
    }

    /** Waits for the listener thread to end; aborts its connection if it does not end soon. */
    boolean awaitExit(Thread listenerThread, long deadline) {
        try {
            long soon = Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * MAX_WAIT_MILLIS));
            listenerThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(soon - System.nanoTime())));
            if (listenerThread.isAlive()) {
                Connection c = connection;
                if (c != null) {
                    try {
                        c.abort(Runnable::run);
                    } catch (SQLException | RuntimeException e) {
                        log.debug("[{}] abort failed: {}", name, e.toString());
                    }
                }
                listenerThread.interrupt();
                listenerThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !listenerThread.isAlive();
    }

    NotifierStatus status(Set<String> channels, int buffered) {
        Set<String> current = listened;
        Set<String> visible = current.contains(privateChannel) ? without(current, privateChannel) : current;
        return new NotifierStatus(
                name,
                state.get(),
                channels,
                visible,
                failedAttempts,
                reconnects,
                backendPid,
                connectedSince,
                lastReconnectAt,
                lastPingAt,
                queueUsage,
                buffered,
                lastError,
                Map.copyOf(rejected));
    }

    private static Set<String> without(Set<String> set, String element) {
        Set<String> copy = new HashSet<>(set);
        copy.remove(element);
        return Set.copyOf(copy);
    }

    /**
     * A message for logs and health: the exception's type and message, which pgjdbc keeps free of passwords, without
     * the role names the server puts in its login errors.
     */
    static String describe(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + Redaction.serverMessage(message));
    }

    /** The end-to-end probe did not come back: the connection accepts statements but does not deliver. */
    static final class ProbeFailedException extends SQLException {
        private static final long serialVersionUID = 1L;

        ProbeFailedException(String message) {
            super(message, "08006");
        }
    }
}
