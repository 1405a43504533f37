package io.pgnotify.benchmarks;

import java.util.List;

/** One client under test, listening to the benchmark channel and recording what it receives. */
interface Listener extends AutoCloseable {

    /** Connects and LISTENs; returns once notifications sent from now on will be received. */
    void start() throws Exception;

    /** The series this listener records: the measured one first, then diagnostic ones. */
    List<Latencies> series();

    /** A line of extra facts for the report (e.g. notifications per call), or empty. */
    default String note() {
        return "";
    }

    @Override
    void close();
}
