/** Measurement harnesses for PostgreSQL LISTEN/NOTIFY clients: latency, throughput, scale-out; see docs/benchmarks.md. */
package io.pgnotify.benchmarks;
