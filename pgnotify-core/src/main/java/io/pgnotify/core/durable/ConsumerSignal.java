package io.pgnotify.core.durable;

import java.util.concurrent.TimeUnit;

/**
 * What ends a consumer's waits: a ring (the doorbell, or a re-drive) and being stopped. Rung and stopped from any
 * thread; waited on only by the consumer's.
 */
final class ConsumerSignal {

    private final Object lock = new Object();
    private boolean rung; // guarded by lock
    private volatile boolean running = true;

    /** Whether the consumer should go on: not stopped, and its thread not interrupted in a wait. */
    boolean running() {
        return running;
    }

    /** Wakes a wait that asked to be woken by a ring, or the next one. */
    void ring() {
        synchronized (lock) {
            rung = true;
            lock.notifyAll();
        }
    }

    /** Stops the consumer: it ends any wait and finishes the message in hand. */
    void stop() {
        running = false;
        ring();
    }

    /**
     * Waits for up to {@code millis}, or until stopped; with {@code wakeOnRing}, also until rung (a ring since the last
     * such wait counts, and is used up). An interrupt stops the consumer.
     */
    void await(long millis, boolean wakeOnRing) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (lock) {
            long left;
            while (running && !(wakeOnRing && rung) && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
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
}
