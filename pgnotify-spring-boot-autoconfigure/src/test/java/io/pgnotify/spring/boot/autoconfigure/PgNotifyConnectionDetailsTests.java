package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;

/**
 * The listening connection follows the application's {@link JdbcConnectionDetails}, as {@code @ServiceConnection} and
 * Docker Compose supply them, through the {@code ConnectionDetailsFactory} listed in {@code spring.factories}. Needs no
 * Docker: the details are a bean, as those integrations register them.
 */
class PgNotifyConnectionDetailsTests {

    @Test
    void listensWhereTheJdbcConnectionDetailsSayNotWhereThePropertiesDo() {
        TestDatabase db = TestDatabase.shared();
        TestApplications.onTestDatabase()
                .withPropertyValues(
                        "spring.datasource.url=jdbc:postgresql://127.0.0.1:1/nowhere",
                        // Not Hikari: nothing but the connection details can give the listener its URL.
                        "spring.datasource.type=org.springframework.jdbc.datasource.SimpleDriverDataSource",
                        "pgnotify.listener.application-name=pgnotify-details")
                .withBean(JdbcConnectionDetails.class, () -> details(db.url(), db.user(), db.password()))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    PgNotifyConnectionDetails details = context.getBean(PgNotifyConnectionDetails.class);
                    assertThat(details.getJdbcUrl()).isEqualTo(db.url());
                    assertThat(details.getUsername()).isEqualTo(db.user());
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
                    assertThat(PgNotifyAutoConfigurationTests.sessionsNamed("pgnotify-details"))
                            .isEqualTo(1);
                });
    }

    @Test
    void theFactoryDescribesOnlyPostgreSql() {
        JdbcPgNotifyConnectionDetailsFactory factory = new JdbcPgNotifyConnectionDetailsFactory();

        assertThat(factory.getConnectionDetails(details("jdbc:h2:mem:test", "sa", "")))
                .isNull();
        PgNotifyConnectionDetails postgres =
                factory.getConnectionDetails(details("jdbc:postgresql://db:5432/app", "app", "secret"));
        assertThat(postgres).isNotNull();
        assertThat(postgres.getJdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/app");
        assertThat(postgres.getUsername()).isEqualTo("app");
        assertThat(postgres.getPassword()).isEqualTo("secret");
    }

    private static JdbcConnectionDetails details(String url, String user, String password) {
        return new JdbcConnectionDetails() {
            @Override
            public String getUsername() {
                return user;
            }

            @Override
            public String getPassword() {
                return password;
            }

            @Override
            public String getJdbcUrl() {
                return url;
            }
        };
    }
}
