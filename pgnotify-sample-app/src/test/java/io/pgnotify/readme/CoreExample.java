package io.pgnotify.readme;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierListener;
import io.pgnotify.core.OverflowPolicy;
import io.pgnotify.core.Subscription;
import java.time.Duration;

class CoreExample {

    void run() throws Exception {
        ConnectionProvider provider = ConnectionProvider.of("jdbc:postgresql://localhost:5432/app", "app", "secret");

        try (Notifier notifier = Notifier.builder(provider)
                .name("orders")
                .reconnectInterval(Duration.ofSeconds(1))
                .maxReconnectInterval(Duration.ofSeconds(30))
                .callbackTimeout(Duration.ofSeconds(5))
                .bufferSize(200)
                .overflowPolicy(OverflowPolicy.BLOCK)
                .listener(new NotifierListener() {
                    @Override
                    public void onReconnect(int attempts, Duration downtime) {
                        System.out.println("Listening again after " + downtime + ": reload what may have changed");
                    }
                })
                .build()) {
            Subscription orders =
                    notifier.subscribe("orders", n -> System.out.println(n.channel() + ": " + n.payload()));
            notifier.start();

            notifier.publish("orders", "42");

            orders.unsubscribe();
        } // close(): stops listening, lets buffered notifications finish, ends every thread
    }
}
