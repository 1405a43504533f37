package io.pgnotify.spring.test;

import io.pgnotify.core.Notification;
import io.pgnotify.core.NotificationHandler;
import io.pgnotify.core.NotifierListener;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgListenerEndpoint;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;

/**
 * Records every call of every {@link PgListener} method, by listener id, and waits for them: a test can send a
 * notification and then wait until the listener it targets has handled it, without sleeping.
 *
 * <pre>{@code
 * @SpringBootTest
 * @EnablePgListenerTestHarness
 * class OrderListenerTests {
 *     @Autowired PgListenerTestHarness harness;
 *
 *     @Test
 *     void shipsThePlacedOrder() {
 *         template.publish("orders", new Order(42));
 *         PgListenerTestHarness.Invocation call = harness.awaitNextInvocation("orderListener");
 *         assertThat(call.error()).isNull();
 *     }
 * }
 * }</pre>
 *
 * <p>A bean of this type is a {@link NotifierListener} of the auto-configured notifier: it sees each call once the
 * method has returned or thrown. Register it with {@link EnablePgListenerTestHarness} or as a bean of your own.
 */
public class PgListenerTestHarness implements NotifierListener, BeanFactoryAware {

    private final Map<String, Calls> calls = new ConcurrentHashMap<>();
    private final Duration defaultTimeout;
    private @Nullable BeanFactory beanFactory;

    /** A harness whose methods without a timeout wait at most {@link PgChannels#DEFAULT_TIMEOUT}. */
    public PgListenerTestHarness() {
        this(PgChannels.DEFAULT_TIMEOUT);
    }

    /**
     * A harness whose methods without a timeout wait at most {@code defaultTimeout}.
     *
     * @param defaultTimeout the wait of the methods without a timeout
     */
    public PgListenerTestHarness(Duration defaultTimeout) {
        this.defaultTimeout = Objects.requireNonNull(defaultTimeout, "'defaultTimeout' must not be null");
    }

    /**
     * One call of a listener method.
     *
     * @param listenerId the listener's id
     * @param notification the notification it was given
     * @param error what it threw, {@code null} when it returned normally
     * @param duration how long it ran
     */
    public record Invocation(
            String listenerId,
            Notification notification,
            @Nullable Throwable error,
            Duration duration) {

        /**
         * Whether the method returned normally.
         *
         * @return {@code true} without an error
         */
        public boolean succeeded() {
            return error == null;
        }
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public void onHandled(
            Notification notification, NotificationHandler handler, long durationNanos, @Nullable Throwable error) {
        if (handler instanceof PgListenerEndpoint endpoint) {
            calls(endpoint.id())
                    .add(new Invocation(endpoint.id(), notification, error, Duration.ofNanos(durationNanos)));
        }
    }

    /**
     * Waits for the listener's next call not yet returned by this method, at most the harness's default timeout.
     *
     * @param listenerId the id of the {@link PgListener} method
     * @return the call
     * @throws AssertionError if it is not called in time, or no listener has that id
     */
    public Invocation awaitNextInvocation(String listenerId) {
        return awaitNextInvocation(listenerId, defaultTimeout);
    }

    /**
     * Waits for the listener's next call not yet returned by this method.
     *
     * @param listenerId the id of the {@link PgListener} method
     * @param timeout how long to wait at most
     * @return the call
     * @throws AssertionError if it is not called in time, or no listener has that id
     */
    public Invocation awaitNextInvocation(String listenerId, Duration timeout) {
        checkKnown(listenerId);
        return calls(listenerId).next(timeout);
    }

    /**
     * Waits until the listener has been called at least {@code count} times in all, at most the default timeout.
     *
     * @param listenerId the id of the {@link PgListener} method
     * @param count how many calls
     * @return every call so far
     * @throws AssertionError if there are fewer in time, or no listener has that id
     */
    public List<Invocation> awaitInvocations(String listenerId, int count) {
        checkKnown(listenerId);
        return calls(listenerId).atLeast(count, defaultTimeout);
    }

    /**
     * Every call of the listener so far.
     *
     * @param listenerId the id of the {@link PgListener} method
     * @return a snapshot, oldest first
     */
    public List<Invocation> invocations(String listenerId) {
        return calls(listenerId).snapshot();
    }

    /**
     * Waits until the application's notifier listens to the channels (every subscribed one when none are named), at
     * most the default timeout.
     *
     * @param channels the channels
     * @throws AssertionError if they are not all listened to in time
     */
    public void awaitListening(String... channels) {
        PgChannels.awaitListening(registry().notifier(), defaultTimeout, channels);
    }

    /** Forgets every call recorded so far. */
    public void reset() {
        calls.clear();
    }

    private Calls calls(String listenerId) {
        return calls.computeIfAbsent(listenerId, Calls::new);
    }

    private void checkKnown(String listenerId) {
        if (beanFactory == null) {
            return; // not in an application context: any id may come
        }
        TreeSet<String> ids = new TreeSet<>();
        for (PgListenerEndpoint endpoint : registry().endpoints()) {
            ids.add(endpoint.id());
        }
        if (!ids.contains(listenerId)) {
            throw new AssertionError("No @PgListener has the id '" + listenerId + "'; the ids are " + ids);
        }
    }

    private PgListenerEndpointRegistry registry() {
        if (beanFactory == null) {
            throw new IllegalStateException("PgListenerTestHarness is not a bean of an application context");
        }
        return beanFactory.getBean(PgListenerEndpointRegistry.class);
    }

    /** One listener's calls: all of them, and a cursor for awaitNextInvocation. */
    private static final class Calls {

        private final String listenerId;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition added = lock.newCondition();
        private final List<Invocation> all = new ArrayList<>();
        private int next;

        Calls(String listenerId) {
            this.listenerId = listenerId;
        }

        void add(Invocation invocation) {
            lock.lock();
            try {
                all.add(invocation);
                added.signalAll();
            } finally {
                lock.unlock();
            }
        }

        Invocation next(Duration timeout) {
            lock.lock();
            try {
                await(() -> all.size() > next, timeout, "call " + (next + 1));
                return all.get(next++);
            } finally {
                lock.unlock();
            }
        }

        List<Invocation> atLeast(int count, Duration timeout) {
            lock.lock();
            try {
                await(() -> all.size() >= count, timeout, count + " call(s)");
                return List.copyOf(all);
            } finally {
                lock.unlock();
            }
        }

        List<Invocation> snapshot() {
            lock.lock();
            try {
                return List.copyOf(all);
            } finally {
                lock.unlock();
            }
        }

        private void await(java.util.function.BooleanSupplier done, Duration timeout, String what) {
            long remaining = timeout.toNanos();
            try {
                while (!done.getAsBoolean()) {
                    if (remaining <= 0) {
                        throw new AssertionError("@PgListener '" + listenerId + "' got no " + what + " within "
                                + timeout + "; it was called " + all.size() + " time(s)");
                    }
                    remaining = added.awaitNanos(remaining);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for @PgListener '" + listenerId + "'", e);
            }
        }
    }
}
