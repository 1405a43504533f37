package io.pgnotify.sample.locks;

import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyReconnectedEvent;
import io.pgnotify.spring.PgNotifyTemplate;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Named locks shared by every instance (rows of {@code resource_lock}), with waiters instead of polling: releasing a
 * lock deletes its row and sends its name on {@value #CHANNEL} in the same transaction, so waiters hear it the moment
 * the lock is free, and each instance's waiters try to take it.
 *
 * <p>A release missed while reconnecting would leave waiters waiting: after a reconnect every waiter tries again.
 */
@Component
public class LockCoordinator {

    /** The channel whose payloads are released locks' names. */
    public static final String CHANNEL = "lock_released";

    private static final Logger log = LoggerFactory.getLogger(LockCoordinator.class);

    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final PgNotifyTemplate notify;
    private final String owner = "instance-" + UUID.randomUUID();
    private final Map<String, Queue<Waiter<?>>> waiters = new ConcurrentHashMap<>();

    LockCoordinator(JdbcClient jdbc, TransactionTemplate transaction, PgNotifyTemplate notify) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.notify = notify;
    }

    /**
     * Takes a lock if nobody holds it.
     *
     * @param lock the lock's name
     * @param holder who takes it
     * @return whether it was taken
     */
    public boolean tryAcquire(String lock, String holder) {
        return jdbc.sql("INSERT INTO resource_lock (name, owner) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
                        .params(lock, holder)
                        .update()
                == 1;
    }

    /**
     * Releases a lock and tells every waiter, in one transaction: the notification is delivered when the row is gone.
     *
     * @param lock the lock's name
     * @param holder who holds it
     * @return whether the holder held it
     */
    public boolean release(String lock, String holder) {
        Boolean released = transaction.execute(status -> {
            int deleted = jdbc.sql("DELETE FROM resource_lock WHERE name = ? AND owner = ?")
                    .params(lock, holder)
                    .update();
            if (deleted == 1) {
                notify.publish(CHANNEL, lock);
            }
            return deleted == 1;
        });
        return Boolean.TRUE.equals(released);
    }

    /**
     * Runs work under a lock: at once if it is free, else as soon as its holder releases it. The lock is released
     * when the work is done.
     *
     * @param lock the lock's name
     * @param work what to do while holding it
     * @param <T> the result's type
     * @return the work's result, completed when it has run
     */
    public <T> CompletableFuture<T> whenAvailable(String lock, Supplier<T> work) {
        Waiter<T> waiter = new Waiter<>(work, new CompletableFuture<>());
        // Queued before trying, so that a release between the try and the queueing cannot be missed.
        waiters.computeIfAbsent(lock, name -> new ConcurrentLinkedQueue<>()).add(waiter);
        tryNext(lock);
        return waiter.result();
    }

    @PgListener(CHANNEL)
    void released(String lock) {
        tryNext(lock);
    }

    @EventListener
    void retryAll(PgNotifyReconnectedEvent event) {
        waiters.keySet().forEach(this::tryNext);
    }

    private synchronized void tryNext(String lock) {
        Queue<Waiter<?>> queue = waiters.get(lock);
        Waiter<?> next = queue == null ? null : queue.peek();
        if (next == null || !tryAcquire(lock, owner)) {
            return;
        }
        queue.remove(next);
        log.info("Took lock '{}'", lock);
        try {
            next.run();
        } finally {
            release(lock, owner); // wakes the next waiter, here or elsewhere
        }
    }

    /**
     * Who holds a lock.
     *
     * @param lock the lock's name
     * @return the holder, or {@code null} when it is free
     */
    public @org.jspecify.annotations.Nullable String holder(String lock) {
        return jdbc.sql("SELECT owner FROM resource_lock WHERE name = ?")
                .param(lock)
                .query(String.class)
                .optional()
                .orElse(null);
    }

    private record Waiter<T>(Supplier<T> work, CompletableFuture<T> result) {
        void run() {
            try {
                result.complete(work.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }
    }
}
