package io.pgnotify.core.durable;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls the user's hooks, logging and ignoring what they throw so delivery never depends on them. */
final class SafeDurableListener implements DurableListener {

    private static final Logger log = LoggerFactory.getLogger(SafeDurableListener.class);

    private final DurableListener target;
    private final String instance;

    SafeDurableListener(DurableListener target, String instance) {
        this.target = target;
        this.instance = instance;
    }

    private void guard(String hook, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("[{}] durable listener hook {} failed: {}", instance, hook, e.toString());
        }
    }

    @Override
    public void onDelivered(String group, DurableMessage message) {
        guard("onDelivered", () -> target.onDelivered(group, message));
    }

    @Override
    public void onRetry(String group, DurableMessage message, Throwable error) {
        guard("onRetry", () -> target.onRetry(group, message, error));
    }

    @Override
    public void onDeadLetter(String group, DurableMessage message, Throwable error) {
        guard("onDeadLetter", () -> target.onDeadLetter(group, message, error));
    }

    @Override
    public void onLeaseLost(String channel, String group) {
        guard("onLeaseLost", () -> target.onLeaseLost(channel, group));
    }

    @Override
    public void onError(String channel, @Nullable String group, Throwable error) {
        guard("onError", () -> target.onError(channel, group, error));
    }
}
