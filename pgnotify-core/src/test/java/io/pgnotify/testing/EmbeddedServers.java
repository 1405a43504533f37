package io.pgnotify.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/** Starts embedded PostgreSQL servers with settings suited to notification tests. */
final class EmbeddedServers {

    private EmbeddedServers() {}

    static EmbeddedPostgres start(EmbeddedPostgres.Builder builder) {
        try {
            return builder.setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start an embedded PostgreSQL", e);
        }
    }

    static void closeQuietly(EmbeddedPostgres server) {
        try {
            server.close();
        } catch (IOException | RuntimeException ignored) {
            // the JVM is exiting or the test already stopped it
        }
    }
}
