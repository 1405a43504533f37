package io.pgnotify.benchmarks;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Vert.x {@code PgSubscriber}: non-blocking, the handler runs on the event loop that read the notification. */
final class VertxListener implements Listener {

    private final Latencies latencies = new Latencies("Vert.x PgSubscriber");
    private final Vertx vertx = Vertx.vertx();
    private final PgSubscriber subscriber;
    private final String channel;

    VertxListener(Server server, String channel) {
        this.channel = channel;
        PgConnectOptions options = new PgConnectOptions()
                .setHost(server.host())
                .setPort(server.port())
                .setDatabase(server.database())
                .setUser(server.user());
        if (server.password() != null) {
            options.setPassword(server.password());
        }
        this.subscriber = PgSubscriber.subscriber(vertx, options);
    }

    @Override
    public void start() throws Exception {
        CompletableFuture<Void> listening = new CompletableFuture<>();
        subscriber
                .channel(channel)
                .subscribeHandler(v -> listening.complete(null))
                .handler(payload -> latencies.record(payload, System.nanoTime()));
        subscriber.connect().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        listening.get(30, TimeUnit.SECONDS);
    }

    @Override
    public List<Latencies> series() {
        return List.of(latencies);
    }

    @Override
    public void close() {
        try {
            subscriber.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("Closing Vert.x: " + e);
        }
    }
}
