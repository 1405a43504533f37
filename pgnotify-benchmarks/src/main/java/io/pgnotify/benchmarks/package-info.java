/** A receive-latency harness for PostgreSQL LISTEN/NOTIFY clients; see docs/benchmarks.md. */
package io.pgnotify.benchmarks;
