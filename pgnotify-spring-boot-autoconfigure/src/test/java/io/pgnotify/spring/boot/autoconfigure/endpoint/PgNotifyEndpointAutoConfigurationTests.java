package io.pgnotify.spring.boot.autoconfigure.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.spring.boot.autoconfigure.metrics.ObservedApplications;
import io.pgnotify.spring.endpoint.ChannelActivity;
import io.pgnotify.spring.endpoint.PgNotifyEndpoint;
import io.pgnotify.spring.endpoint.PgNotifyEndpoint.ChannelDescriptor;
import io.pgnotify.spring.endpoint.PgNotifyEndpoint.ListenerDescriptor;
import io.pgnotify.spring.endpoint.PgNotifyEndpoint.NotifierDescriptor;
import io.pgnotify.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class PgNotifyEndpointAutoConfigurationTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgNotifyEndpointAutoConfiguration.class))
            .withBean(
                    Notifier.class,
                    () -> Notifier.builder(() -> {
                                throw new SQLException("not used");
                            })
                            .build());

    @Test
    void providesTheEndpointWhenExposed() {
        contextRunner
                .withPropertyValues("management.endpoints.web.exposure.include=pgnotify")
                .run(context -> assertThat(context)
                        .hasSingleBean(PgNotifyEndpoint.class)
                        .hasSingleBean(ChannelActivity.class));
    }

    @Test
    void backsOffWhenNotExposed() {
        contextRunner.run(context -> assertThat(context).doesNotHaveBean(PgNotifyEndpoint.class));
    }

    @Test
    void backsOffWhenDisabled() {
        contextRunner
                .withPropertyValues(
                        "management.endpoints.web.exposure.include=pgnotify",
                        "management.endpoint.pgnotify.access=NONE")
                .run(context -> assertThat(context).doesNotHaveBean(PgNotifyEndpoint.class));
    }

    @Test
    void describesTheListeningConnectionItsChannelsAndListeners() {
        ObservedApplications.onTestDatabase()
                .withPropertyValues(
                        "management.endpoints.web.exposure.include=pgnotify",
                        "pgnotify.listener.application-name=obs-endpoint-test")
                .withBean("orderListener", ObservedApplications.OrderListener.class)
                .run(context -> {
                    PgNotifyEndpoint endpoint = context.getBean(PgNotifyEndpoint.class);
                    await().atMost(Duration.ofSeconds(20))
                            .until(() -> "LISTENING".equals(endpoint.describe().state()));
                    PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
                    template.publish("obs.orders", "ok");
                    template.publish("obs.orders", "fail");

                    await().atMost(Duration.ofSeconds(20))
                            .until(() -> endpoint.describe()
                                            .channels()
                                            .get("obs.orders")
                                            .errors()
                                    == 1);

                    NotifierDescriptor description = endpoint.describe();
                    assertThat(description.applicationName()).isEqualTo("obs-endpoint-test");
                    assertThat(description.backendPid()).isEqualTo(backendPidOf("obs-endpoint-test"));
                    assertThat(description.connectedSince()).isNotNull();
                    assertThat(description.reconnects()).isZero();
                    assertThat(description.lastReconnect()).isNull();
                    ChannelDescriptor orders = description.channels().get("obs.orders");
                    assertThat(orders.listening()).isTrue();
                    assertThat(orders.listeners())
                            .containsExactly(new ListenerDescriptor("orders", "orderListener#onOrder"));
                    assertThat(orders.received()).isEqualTo(2);
                    assertThat(orders.dropped()).isZero();
                });
    }

    /** The server's own view of the listening connection. */
    private static int backendPidOf(String applicationName) throws SQLException {
        try (Connection connection = TestDatabase.shared().connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT pid FROM pg_stat_activity WHERE application_name = '" + applicationName + "'")) {
            assertThat(rows.next()).as("a connection named " + applicationName).isTrue();
            int pid = rows.getInt(1);
            assertThat(rows.next())
                    .as("one connection named " + applicationName)
                    .isFalse();
            return pid;
        }
    }
}
