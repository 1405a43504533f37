/** The durable channels benchmark: wake-up latency, end-to-end throughput, publish cost against a plain INSERT. */
@NullMarked
package io.pgnotify.benchmarks.durable;

import org.jspecify.annotations.NullMarked;
