package io.pgnotify.core;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The hooks when none are given: handler failures are logged, so nothing fails unseen. */
final class LoggingListener implements NotifierListener {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final String name;

    LoggingListener(String name) {
        this.name = name;
    }

    @Override
    public void onError(Throwable error, @Nullable String channel) {
        if (channel != null) {
            log.warn("[{}] handler on channel '{}' failed", name, channel, error);
        }
    }
}
