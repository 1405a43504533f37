package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Events;
import io.pgnotify.core.Notifiers.Recorder;
import io.pgnotify.testing.TcpProxy;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A network that goes silent (no FIN, no RST) under the default URL provider, which the notifier also publishes and
 * probes through: nothing it owns may wait on it without a deadline.
 */
class NotifierSilentNetworkTests {

    @Test
    void aSilentNetworkUnderTheDefaultProviderIsRecoveredAndNeitherPublishNorShutdownHang() throws Exception {
        TestDatabase db = TestDatabase.shared();
        int port = Integer.parseInt(db.url().replaceFirst("^jdbc:postgresql://[^:/]+:(\\d+)/.*$", "$1"));
        try (TcpProxy proxy = new TcpProxy(port)) {
            ConnectionProvider viaProxy = ConnectionProvider.of(
                    db.url().replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/"), db.user(), db.password());
            Events events = new Events();
            Recorder recorder = new Recorder();
            Notifier notifier = Notifier.builder(viaProxy)
                    .name("silent-default")
                    .pingInterval(Duration.ofMillis(500))
                    .pingTimeout(Duration.ofSeconds(1))
                    .reconnectInterval(Duration.ofMillis(100))
                    .maxReconnectInterval(Duration.ofMillis(500))
                    .listener(events)
                    .build();
            notifier.subscribe("silent.a", recorder);
            notifier.start();
            Notifiers.awaitListening(notifier);
            notifier.publish("silent.a", "before"); // the kept publishing connection is open now
            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.received.size() == 1);

            proxy.blackhole();
            CompletableFuture<Void> silentPublish = CompletableFuture.runAsync(() -> {
                try {
                    notifier.publish("silent.a", "into the silence");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // a publish into the silence fails within its network timeout instead of waiting for TCP
            try {
                silentPublish.get(15, TimeUnit.SECONDS);
            } catch (ExecutionException expected) {
                // failed, as it should: the network is silent
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> events.log.contains("disconnect"));

            proxy.restore();
            await().atMost(Duration.ofSeconds(30)).until(() -> events.reconnects.size() >= 1);
            Notifiers.awaitListening(notifier);
            notifier.publish("silent.a", "after");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> recorder.payloads().contains("after"));

            proxy.blackhole();
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            events.log.stream().filter("disconnect"::equals).count() == 2);
            CompletableFuture<Boolean> shutdown =
                    CompletableFuture.supplyAsync(() -> notifier.shutdown(Duration.ofSeconds(5)));
            // shutdown(5 s) returns within its timeout (plus scheduling), whatever is stuck on the network
            assertThat(shutdown.get(8, TimeUnit.SECONDS)).isNotNull();
            proxy.restore();
        }
    }
}
