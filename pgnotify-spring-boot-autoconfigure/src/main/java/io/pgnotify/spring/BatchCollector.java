package io.pgnotify.spring;

import io.pgnotify.core.Notification;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Gathers what arrived together for a batch listener on one channel. The notifier tells every notification to its
 * hooks when it is read, before it is buffered ({@link #arrived}); when the channel's next notification is handed to
 * the listener, the ones read after it and still waiting join it in one batch, in order, and are skipped when their
 * own turn comes. Delivery stays at most once and in order; a notification the buffer dropped after it was read may
 * still reach the listener in a batch.
 */
final class BatchCollector {

    private final int batchSize;
    // Written by the listening connection's thread, read by the channel's worker.
    private final Queue<Notification> arrived = new ConcurrentLinkedQueue<>();
    // Delivered ahead of their turn, in arrival order; only the channel's worker (one at a time) touches it.
    private final Queue<Notification> deliveredAhead = new ConcurrentLinkedQueue<>();
    private volatile boolean collecting;

    BatchCollector(int batchSize) {
        this.batchSize = batchSize;
    }

    /** Starts or stops collecting, as the listener subscribes or unsubscribes; forgets what was collected. */
    void collecting(boolean collecting) {
        this.collecting = collecting;
        arrived.clear();
        deliveredAhead.clear();
    }

    void arrived(Notification notification) {
        if (collecting) {
            arrived.add(notification);
        }
    }

    /**
     * The batch to deliver now that {@code next} is handed over: empty when it was delivered in an earlier batch, else
     * {@code next} and what arrived after it, up to the batch size.
     */
    List<Notification> collect(Notification next) {
        Notification ahead;
        while ((ahead = deliveredAhead.poll()) != null) {
            if (ahead == next) {
                return List.of();
            }
            // Delivered ahead but never handed over: the buffer dropped it.
        }
        if (containsSame(next)) {
            while (arrived.poll() != next) {
                // Read before next but never handed over (dropped by the buffer, or already delivered).
            }
        }
        List<Notification> batch = new ArrayList<>(Math.min(batchSize, 16));
        batch.add(next);
        Notification following;
        while (batch.size() < batchSize && (following = arrived.poll()) != null) {
            batch.add(following);
            deliveredAhead.add(following);
        }
        return batch;
    }

    private boolean containsSame(Notification notification) {
        for (Iterator<Notification> it = arrived.iterator(); it.hasNext(); ) {
            if (it.next() == notification) {
                return true;
            }
        }
        return false;
    }
}
