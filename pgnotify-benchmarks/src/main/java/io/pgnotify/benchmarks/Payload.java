package io.pgnotify.benchmarks;

import org.jspecify.annotations.Nullable;

/**
 * What the publisher sends: the step, whether the notification belongs to the measured phase (or the warm-up), and
 * {@link System#nanoTime()} read just before the {@code SELECT pg_notify(…)} was sent. Publisher and listeners share
 * one JVM, hence one clock.
 */
record Payload(int step, boolean measured, long sentNanos) {

    String encode() {
        return step + (measured ? " m " : " w ") + sentNanos;
    }

    static @Nullable Payload parse(String payload) {
        int first = payload.indexOf(' ');
        if (first < 0 || first + 3 > payload.length() || payload.charAt(first + 2) != ' ') {
            return null;
        }
        try {
            int step = Integer.parseInt(payload, 0, first, 10);
            boolean measured = payload.charAt(first + 1) == 'm';
            long sent = Long.parseLong(payload, first + 3, payload.length(), 10);
            return new Payload(step, measured, sent);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
