package io.pgnotify.testing;

import io.pgnotify.core.Notification;
import io.pgnotify.core.NotificationHandler;
import io.pgnotify.core.NotifierListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Accounts for sequence-numbered notifications under faults: the reliability rule is that each notification sent
 * while the notifier was listening arrives exactly once and in per-channel order, and each one sent while it was not
 * is covered by a reconnect announcement.
 *
 * <p>A send counts as "while listening" when the notifier was listening before the send began and still after it
 * committed, with no fault or disconnect in between. A test marks a fault it induces with {@link #faultBegins()}
 * before inducing it, so the window closes before the fault, not when the engine notices it. Use it as the notifier's
 * {@link NotifierListener} and as the handler of every channel it numbers.
 */
public final class DeliveryLedger implements NotifierListener {

    /** How a sent notification is classified. */
    enum Kind {
        MUST_ARRIVE,
        IN_GAP,
        SEND_FAILED
    }

    /** How long before an induced fault a committed notification may still be in flight; see justBeforeFault. */
    static final Duration IN_FLIGHT = Duration.ofMillis(200);

    private final String prefix;
    private final Lane[] lanes;
    private final Duration detectionSlack;

    private volatile long epoch;
    private volatile boolean listening;
    private final AtomicInteger disconnects = new AtomicInteger();
    private final AtomicInteger connects = new AtomicInteger();
    private final List<Duration> downtimes = new CopyOnWriteArrayList<>();
    private final List<Integer> attempts = new CopyOnWriteArrayList<>();
    private final List<Long> disconnectedAt = new CopyOnWriteArrayList<>();
    private final List<Long> faultAt = new CopyOnWriteArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final @Nullable NotifierListener delegate;

    /**
     * @param prefix channel names are {@code prefix + index}
     * @param channels how many channels
     * @param detectionSlack sends committed this long before a disconnect the test did not induce (and so could not
     *     mark) count as in the gap: the server ended the session before the listener could notice
     * @param delegate further hooks, or {@code null}
     */
    public DeliveryLedger(String prefix, int channels, Duration detectionSlack, @Nullable NotifierListener delegate) {
        this.prefix = prefix;
        this.lanes = new Lane[channels];
        for (int i = 0; i < channels; i++) {
            lanes[i] = new Lane();
        }
        this.detectionSlack = detectionSlack;
        this.delegate = delegate;
    }

    public DeliveryLedger(String prefix, int channels) {
        this(prefix, channels, Duration.ZERO, null);
    }

    public String channel(int index) {
        return prefix + index;
    }

    public int channels() {
        return lanes.length;
    }

    /** The handler for channel {@code index}: payloads are the sequence numbers. */
    public NotificationHandler handler(int index) {
        Lane lane = lanes[index];
        return n -> lane.received(Long.parseLong(n.payload()));
    }

    /** Marks the start of a fault the test is about to induce: from now until the next reconnect is a gap. */
    public synchronized void faultBegins() {
        faultAt.add(System.nanoTime());
        epoch++;
        listening = false;
    }

    /** The current window, or -1 when not listening. */
    synchronized long window() {
        long e = epoch;
        return listening ? e : -1;
    }

    /** Takes the next sequence number of a channel and the window it is sent in. */
    long beginSend(int channel) {
        return lanes[channel].next();
    }

    /** Records how a send ended. */
    void endSend(int channel, long seq, long windowBefore, boolean committed) {
        long windowAfter = window();
        Kind kind = !committed
                ? Kind.SEND_FAILED
                : windowBefore != -1 && windowBefore == windowAfter ? Kind.MUST_ARRIVE : Kind.IN_GAP;
        lanes[channel].sent(seq, kind, System.nanoTime());
    }

    public boolean listening() {
        return listening;
    }

    public int connects() {
        return connects.get();
    }

    public int disconnects() {
        return disconnects.get();
    }

    public int reconnects() {
        return downtimes.size();
    }

    public List<Duration> downtimes() {
        return List.copyOf(downtimes);
    }

    public List<Integer> attempts() {
        return List.copyOf(attempts);
    }

    public List<Throwable> errors() {
        return List.copyOf(errors);
    }

    /** Whether every notification that must arrive has arrived. */
    public boolean settled() {
        for (Lane lane : lanes) {
            if (!lane.settled()) {
                return false;
            }
        }
        return true;
    }

    public Result result() {
        long sent = 0, received = 0, lost = 0, duplicates = 0, outOfOrder = 0, inGap = 0, failed = 0;
        long lostInFlight = 0;
        List<String> lostExamples = new ArrayList<>();
        for (int i = 0; i < lanes.length; i++) {
            Lane lane = lanes[i];
            synchronized (lane) {
                for (int seq = 0; seq < lane.size; seq++) {
                    Kind kind = lane.kinds[seq];
                    int count = lane.counts[seq];
                    received += count;
                    duplicates += Math.max(0, count - 1);
                    if (kind == null) {
                        continue; // taken but the send never ended (the publisher was stopped)
                    }
                    if (kind == Kind.SEND_FAILED) {
                        failed++;
                        continue;
                    }
                    sent++;
                    if (kind == Kind.IN_GAP) {
                        inGap++;
                    } else if (count == 0) {
                        if (lane.read[seq]) {
                            // The listener read it and no handler got it: the engine lost it, whatever the timing.
                            lost++;
                            if (lostExamples.size() < 10) {
                                lostExamples.add(channel(i) + "#" + seq + " (read by the listener, never handled)");
                            }
                        } else if (nearUnmarkedDisconnect(lane.sentAt[seq])) {
                            inGap++;
                            lostInFlight++;
                        } else if (justBeforeFault(lane.sentAt[seq])) {
                            inGap++;
                            lostInFlight++;
                        } else {
                            lost++;
                            if (lostExamples.size() < 10) {
                                lostExamples.add(channel(i) + "#" + seq + describeTiming(lane.sentAt[seq]));
                            }
                        }
                    }
                }
                outOfOrder += lane.outOfOrder;
            }
        }
        return new Result(
                sent, received, lost, duplicates, outOfOrder, inGap, lostInFlight, failed, downtimes(), lostExamples);
    }

    /** For a lost notification: how long before the next marked fault or disconnect its send committed. */
    private String describeTiming(long sentAtNanos) {
        long nextFault = faultAt.stream()
                .filter(t -> t >= sentAtNanos)
                .min(Long::compare)
                .orElse(-1L);
        long nextDisconnect = disconnectedAt.stream()
                .filter(t -> t >= sentAtNanos)
                .min(Long::compare)
                .orElse(-1L);
        return " (committed " + (nextFault < 0 ? "-" : (nextFault - sentAtNanos) / 1000 + " us") + " before a fault, "
                + (nextDisconnect < 0 ? "-" : (nextDisconnect - sentAtNanos) / 1000 + " us") + " before a disconnect)";
    }

    /**
     * Whether a send committed within {@link #IN_FLIGHT} before a fault the test induced. Delivery is asynchronous: the
     * listening backend sends a notification when it next waits for its client, and a backend told to terminate at
     * that moment checks the termination first (PostgreSQL's ProcessClientReadInterrupt), so a notification committed
     * just before the fault may never be sent; when the network is cut, bytes on the wire are lost with it. On a busy
     * 2-core machine either can reach tens of milliseconds. It is in the gap that the reconnect announces. One that the
     * listener did read is never excused this way.
     */
    private boolean justBeforeFault(long sentAtNanos) {
        for (long at : faultAt) {
            if (sentAtNanos <= at && at - sentAtNanos <= IN_FLIGHT.toNanos()) {
                return true;
            }
        }
        return false;
    }

    private boolean nearUnmarkedDisconnect(long sentAtNanos) {
        if (detectionSlack.isZero()) {
            return false;
        }
        for (long at : disconnectedAt) {
            if (sentAtNanos <= at && at - sentAtNanos <= detectionSlack.toNanos()) {
                return true;
            }
        }
        return false;
    }

    /** Marks a numbered notification as read off the connection by the listener thread, before dispatch. */
    @Override
    public void onNotification(Notification notification) {
        String channel = notification.channel();
        if (channel.startsWith(prefix)) {
            try {
                int index = Integer.parseInt(channel.substring(prefix.length()));
                if (index >= 0 && index < lanes.length) {
                    lanes[index].read(Long.parseLong(notification.payload()));
                }
            } catch (NumberFormatException ignored) {
                // not one of the numbered channels
            }
        }
        if (delegate != null) {
            delegate.onNotification(notification);
        }
    }

    @Override
    public void onConnect() {
        synchronized (this) {
            if (connects.get() == 0) {
                listening = true;
            }
        }
        connects.incrementAndGet();
        if (delegate != null) {
            delegate.onConnect();
        }
    }

    @Override
    public void onDisconnect(Throwable cause) {
        synchronized (this) {
            disconnectedAt.add(System.nanoTime());
            epoch++;
            listening = false;
        }
        disconnects.incrementAndGet();
        if (delegate != null) {
            delegate.onDisconnect(cause);
        }
    }

    @Override
    public void onReconnect(int attempts, Duration downtime) {
        // Listening first: a test that sees the reconnect counted may induce the next fault at once.
        synchronized (this) {
            listening = true;
        }
        this.attempts.add(attempts);
        downtimes.add(downtime);
        if (delegate != null) {
            delegate.onReconnect(attempts, downtime);
        }
    }

    @Override
    public void onError(Throwable error, @Nullable String channel) {
        errors.add(error);
        if (delegate != null) {
            delegate.onError(error, channel);
        }
    }

    @Override
    public void onDrop(Notification notification) {
        if (delegate != null) {
            delegate.onDrop(notification);
        }
    }

    /**
     * What a run came to.
     *
     * @param sent committed notifications
     * @param received deliveries, duplicates included
     * @param lostWhileConnected sent while listening and never received: must be 0
     * @param duplicates deliveries beyond the first: must be 0
     * @param outOfOrder deliveries with a sequence number not above the channel's previous one: must be 0
     * @param inGap sent while not listening (covered by a reconnect announcement), whether received or not
     * @param lostInFlight of those, committed within moments of a fault (or, unmarked, of a disconnect) and lost
     * @param sendFailed sends that failed (the server was down): not counted as sent
     * @param downtimes the downtime of each reconnect
     * @param lostExamples a few lost notifications, for the failure message
     */
    public record Result(
            long sent,
            long received,
            long lostWhileConnected,
            long duplicates,
            long outOfOrder,
            long inGap,
            long lostInFlight,
            long sendFailed,
            List<Duration> downtimes,
            List<String> lostExamples) {

        public Duration downtimeP50() {
            return percentile(0.5);
        }

        public Duration downtimeMax() {
            return percentile(1.0);
        }

        private Duration percentile(double p) {
            if (downtimes.isEmpty()) {
                return Duration.ZERO;
            }
            long[] sorted =
                    downtimes.stream().mapToLong(Duration::toNanos).sorted().toArray();
            int index = (int) Math.ceil(p * sorted.length) - 1;
            return Duration.ofNanos(sorted[Math.max(0, index)]);
        }

        public boolean clean() {
            return lostWhileConnected == 0 && duplicates == 0 && outOfOrder == 0;
        }
    }

    /** One channel's sequence numbers: what was sent, how, and how often each arrived. */
    private static final class Lane {
        int size;
        Kind[] kinds = new Kind[1024];
        long[] sentAt = new long[1024];
        int[] counts = new int[1024];
        boolean[] read = new boolean[1024];
        long last = -1;
        long outOfOrder;

        synchronized long next() {
            grow(size + 1);
            return size++;
        }

        synchronized void sent(long seq, Kind kind, long at) {
            kinds[(int) seq] = kind;
            sentAt[(int) seq] = at;
        }

        synchronized void received(long seq) {
            if (seq >= size) {
                // Arrived before its sender recorded it: possible, the handler can run before publish returns.
                grow((int) seq + 1);
                size = Math.max(size, (int) seq + 1);
            }
            counts[(int) seq]++;
            if (seq <= last) {
                outOfOrder++;
            }
            last = Math.max(last, seq);
        }

        synchronized void read(long seq) {
            if (seq < size) {
                read[(int) seq] = true;
            }
        }

        synchronized boolean settled() {
            for (int seq = 0; seq < size; seq++) {
                if (kinds[seq] == null || (kinds[seq] == Kind.MUST_ARRIVE && counts[seq] == 0)) {
                    return false;
                }
            }
            return true;
        }

        private void grow(int needed) {
            if (needed > kinds.length) {
                int capacity = Math.max(needed, kinds.length * 2);
                kinds = Arrays.copyOf(kinds, capacity);
                sentAt = Arrays.copyOf(sentAt, capacity);
                counts = Arrays.copyOf(counts, capacity);
                read = Arrays.copyOf(read, capacity);
            }
        }
    }
}
