package io.pgnotify.spring.boot.autoconfigure.durable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.pgnotify.core.durable.DurableSchema;
import io.pgnotify.spring.durable.PgDurableListener;
import io.pgnotify.testing.PrivateDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * {@code pgnotify.durable.initialize-schema=embedded} (the default): the embedded PostgreSQL the tests and the sample
 * start counts as embedded and gets the schema; an installed server does not, and validation names the script.
 */
class DurableSchemaInitializationTests {

    /** The installed PostgreSQL of a development machine: not embedded. */
    private static final String INSTALLED = "jdbc:postgresql://127.0.0.1:5432/";

    @Test
    void theEmbeddedPostgresqlGetsTheSchemaByDefault() throws Exception {
        try (PrivateDatabase embedded = PrivateDatabase.start()) {
            PgDurableListenerTests.onDatabase(embedded.url())
                    .withPropertyValues("spring.application.name=billing", "test.channel=embedded-default")
                    .withUserConfiguration(Listener.class)
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        try (Connection c = embedded.connect()) {
                            DurableSchema.validate(c);
                        }
                    });
        }
    }

    @Test
    void aServerOutsideTheTemporaryDirectoryIsNotEmbedded() throws Exception {
        try (PrivateDatabase embedded = PrivateDatabase.start()) {
            DataSource dataSource = new DriverManagerDataSource(embedded.url(), embedded.user(), embedded.password());
            assertThat(EmbeddedPostgres.isEmbedded(dataSource)).isTrue();
            assertThat(EmbeddedPostgres.isEmbedded(dataSource, "/nonexistent-temporary-directory"))
                    .isFalse();
            assertThat(EmbeddedPostgres.isEmbedded(dataSource, null)).isFalse();
        }
    }

    @Test
    void anInstalledServerIsNotInitializedAndValidationNamesTheScript() throws Exception {
        String database = "pgnotify_installed_" + UUID.randomUUID().toString().substring(0, 8);
        assumeThat(execute(INSTALLED + "postgres", "CREATE DATABASE " + database))
                .as("a PostgreSQL installed on 127.0.0.1:5432 (user postgres)")
                .isTrue();
        try {
            PgDurableListenerTests.onDatabase(INSTALLED + database)
                    .withPropertyValues(
                            "spring.datasource.username=postgres",
                            "spring.datasource.password=",
                            "spring.application.name=billing",
                            "test.channel=installed-default")
                    .withUserConfiguration(Listener.class)
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .rootCause()
                            .hasMessageContaining("table pgnotify.durable_message")
                            .hasMessageContaining("io/pgnotify/durable/schema-postgresql.sql"));
            try (Connection c = DriverManager.getConnection(INSTALLED + database, "postgres", "");
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT to_regnamespace('pgnotify') IS NULL")) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("no pgnotify schema installed").isTrue();
            }
        } finally {
            execute(INSTALLED + "postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    private static boolean execute(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url, "postgres", "");
                Statement s = c.createStatement()) {
            s.execute(sql);
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Listener {
        @Bean
        Handler handler() {
            return new Handler();
        }
    }

    static class Handler {
        @PgDurableListener(channel = "${test.channel}")
        public void handle(String payload) {}
    }
}
