package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.testing.PrivateDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * End to end, against a server that offers TLS: the auto-configured notifier's listening connection takes the Hikari
 * DataSource's {@code data-source-properties}, and {@code pgnotify.listener.properties.*} over them, as the server sees
 * its backend ({@code pg_stat_ssl} of the pid the notifier reports). With TLS on, pgjdbc's default {@code
 * sslmode=prefer} would encrypt: a plain listening connection proves the DataSource's {@code sslmode=disable} reached
 * it, a verified one beside a plain pool proves the listener's own properties did, and the DataSource's {@code
 * verify-full} against a missing root certificate keeps it from connecting at all. Skipped without {@code openssl}.
 */
class ListeningConnectionPropertiesTests {

    private static PrivateDatabase db;
    private static boolean tls;

    @BeforeAll
    static void startServerWithTls() {
        db = PrivateDatabase.start();
        tls = db.enableSsl();
    }

    @AfterAll
    static void stopServer() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void theListeningConnectionTakesTheDataSourcesDriverProperties() {
        onServer()
                .withPropertyValues("spring.datasource.hikari.data-source-properties.sslmode=disable")
                .run(context -> {
                    int listener = listeningBackend(context);
                    assertThat(usesTls(listener))
                            .as("the listening backend %s uses TLS", listener)
                            .isFalse();
                    assertThat(usesTls(poolBackend(context))).isFalse();
                });
    }

    @Test
    void theListenerPropertiesGoOverTheDataSourcesAndVerifyTheServer() throws SQLException {
        String rootCertificate =
                Path.of(setting("data_directory"), "server.crt").toString();
        onServer()
                .withPropertyValues(
                        "spring.datasource.hikari.data-source-properties.sslmode=disable",
                        "pgnotify.listener.properties.sslmode=verify-full",
                        "pgnotify.listener.properties.sslrootcert=" + rootCertificate)
                .run(context -> {
                    int listener = listeningBackend(context);
                    assertThat(usesTls(listener))
                            .as("the listening backend %s uses TLS", listener)
                            .isTrue();
                    assertThat(usesTls(poolBackend(context)))
                            .as("the pool keeps the DataSource's sslmode")
                            .isFalse();
                });
    }

    @Test
    void theDataSourcesTlsVerificationAppliesToTheListeningConnection() {
        // Verification against a root certificate that does not exist: a listening connection that ignored the
        // DataSource's sslmode would connect unverified instead of failing.
        onServer()
                .withPropertyValues(
                        "spring.datasource.hikari.data-source-properties.sslmode=verify-full",
                        "spring.datasource.hikari.data-source-properties.sslrootcert="
                                + Path.of("no-such-root.crt").toAbsolutePath(),
                        "pgnotify.ping-timeout=1s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Notifier notifier = context.getBean(Notifier.class);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> notifier.status().lastError() != null);
                    assertThat(notifier.status().lastError()).contains("no-such-root.crt");
                    assertThat(notifier.state()).isNotEqualTo(NotifierState.LISTENING);
                    assertThat(notifier.status().backendPid()).isZero();
                });
    }

    private static ApplicationContextRunner onServer() {
        assumeTrue(tls, "openssl is available to give the server a certificate");
        return TestApplications.onTestDatabase()
                .withPropertyValues(
                        "spring.datasource.url=" + db.url(),
                        "spring.datasource.username=" + db.user(),
                        "spring.datasource.password=" + db.password());
    }

    private static int listeningBackend(AssertableApplicationContext context) {
        assertThat(context).hasNotFailed();
        Notifier notifier = context.getBean(Notifier.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> notifier.state() == NotifierState.LISTENING);
        int pid = notifier.status().backendPid();
        assertThat(pid).isPositive();
        return pid;
    }

    private static int poolBackend(AssertableApplicationContext context) throws SQLException {
        try (Connection connection = context.getBean(DataSource.class).getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT pg_backend_pid()")) {
            result.next();
            return result.getInt(1);
        }
    }

    private static boolean usesTls(int pid) throws SQLException {
        try (Connection connection = db.connect();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = " + pid)) {
            assertThat(result.next()).as("backend %s is connected", pid).isTrue();
            return result.getBoolean(1);
        }
    }

    private static String setting(String name) throws SQLException {
        try (Connection connection = db.connect();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SHOW " + name)) {
            result.next();
            return result.getString(1);
        }
    }
}
