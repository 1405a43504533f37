package io.pgnotify.spring.boot.autoconfigure.metrics;

import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.boot.autoconfigure.PgNotifyAutoConfiguration;
import io.pgnotify.spring.boot.autoconfigure.endpoint.PgNotifyEndpointAutoConfiguration;
import io.pgnotify.spring.boot.autoconfigure.health.PgNotifyHealthAutoConfiguration;
import io.pgnotify.testing.TestDatabase;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Application contexts with the starter and its observability on the shared test database. */
public final class ObservedApplications {

    private ObservedApplications() {}

    public static ApplicationContextRunner onTestDatabase() {
        TestDatabase db = TestDatabase.shared();
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        DataSourceAutoConfiguration.class,
                        PgNotifyAutoConfiguration.class,
                        PgNotifyMetricsAutoConfiguration.class,
                        PgNotifyHealthAutoConfiguration.class,
                        PgNotifyEndpointAutoConfiguration.class))
                .withPropertyValues(
                        "spring.datasource.url=" + db.url(),
                        "spring.datasource.username=" + db.user(),
                        "spring.datasource.password=" + db.password(),
                        "spring.datasource.hikari.maximum-pool-size=2",
                        "pgnotify.reconnect.initial-interval=50ms",
                        "pgnotify.reconnect.max-interval=200ms",
                        "pgnotify.shutdown-timeout=5s");
    }

    /** A listener that fails on the payload {@code fail}. */
    public static class OrderListener {

        public final Queue<String> received = new ConcurrentLinkedQueue<>();

        @PgListener(value = "obs.orders", id = "orders")
        public void onOrder(String payload) {
            received.add(payload);
            if (payload.equals("fail")) {
                throw new IllegalStateException("refused " + payload.length());
            }
        }
    }
}
