package io.pgnotify.spring.test;

import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.boot.autoconfigure.PgNotifyAutoConfiguration;
import io.pgnotify.testing.TestDatabase;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Applications with the starter on the shared embedded test database. */
final class Applications {

    private Applications() {}

    static ApplicationContextRunner onTestDatabase() {
        TestDatabase db = TestDatabase.shared();
        return new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(DataSourceAutoConfiguration.class, PgNotifyAutoConfiguration.class))
                .withPropertyValues(
                        "spring.datasource.url=" + db.url(),
                        "spring.datasource.username=" + db.user(),
                        "spring.datasource.password=" + db.password(),
                        "spring.datasource.hikari.maximum-pool-size=2",
                        "pgnotify.reconnect.initial-interval=50ms",
                        "pgnotify.reconnect.max-interval=200ms",
                        "pgnotify.shutdown-timeout=5s");
    }

    /** An application's listener: records payloads, and throws for the payload {@code fail}. */
    static class OrderListener {

        final Queue<String> received = new ConcurrentLinkedQueue<>();

        @PgListener(value = "ts.orders", id = "orders")
        void onOrder(String payload) {
            received.add(payload);
            if (payload.equals("fail")) {
                throw new IllegalStateException("refused order " + payload);
            }
        }

        @PgListener("ts.audit")
        void onAudit(String payload) {}
    }
}
