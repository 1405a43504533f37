package io.pgnotify.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Every use case of LISTEN/NOTIFY in one application: cache invalidation, live notifications in the browser, jobs
 * triggered by the database, settings reloaded on change, and lock hand-over. Without {@code spring.datasource.url} it
 * starts an embedded PostgreSQL ({@link EmbeddedPostgresInitializer}).
 */
@SpringBootApplication
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
