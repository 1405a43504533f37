package io.pgnotify.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One listener's latencies for the current step. The publisher's payload is {@code "<step> <phase> <sendNanos>"}
 * ({@link Payload}); only the current step's measured phase is recorded; warm-up and late arrivals from an earlier
 * step are dropped. {@link #record} may be called from any thread, one at a time or concurrently.
 */
final class Latencies {

    private static final long HIGHEST = TimeUnit.SECONDS.toNanos(60);

    private final String listener;
    private volatile int step = -1;
    private volatile Recorder recorder = newRecorder();
    private final AtomicLong measured = new AtomicLong();

    Latencies(String listener) {
        this.listener = listener;
    }

    String listener() {
        return listener;
    }

    /** Starts a new step: forgets everything recorded so far. Called before the publisher sends the step. */
    void begin(int newStep) {
        recorder = newRecorder();
        measured.set(0);
        step = newStep;
    }

    /**
     * Records one notification.
     *
     * @param payload the payload as received
     * @param receivedNanos {@link System#nanoTime()} at the point being measured
     */
    void record(String payload, long receivedNanos) {
        Payload p = Payload.parse(payload);
        if (p == null || p.step() != step) {
            return;
        }
        if (p.measured()) {
            recorder.recordValue(Math.max(0, Math.min(HIGHEST, receivedNanos - p.sentNanos())));
            measured.incrementAndGet();
        }
    }

    /** Records a value that is already a latency, for diagnostic series. */
    void recordLatency(String payload, long latencyNanos) {
        Payload p = Payload.parse(payload);
        if (p != null && p.step() == step && p.measured()) {
            recorder.recordValue(Math.max(0, Math.min(HIGHEST, latencyNanos)));
            measured.incrementAndGet();
        }
    }

    long measured() {
        return measured.get();
    }

    /** The step's histogram, in nanoseconds. */
    Histogram histogram() {
        return recorder.getIntervalHistogram();
    }

    private static Recorder newRecorder() {
        return new Recorder(HIGHEST, 3);
    }
}
