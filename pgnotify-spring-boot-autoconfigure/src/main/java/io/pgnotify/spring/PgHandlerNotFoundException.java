package io.pgnotify.spring;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * No {@link PgHandler} method of a class-level {@link PgListener} takes a notification, and the class has no default
 * handler. Given to the listener's {@link PgListenerErrorHandler}; the notification is not retried.
 */
public final class PgHandlerNotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String listenerId;
    private final String channel;
    private final @Nullable String type;
    private final List<String> candidates;

    PgHandlerNotFoundException(
            String listenerId, String channel, String typeProperty, @Nullable String type, List<String> candidates) {
        super("No @PgHandler of @PgListener '" + listenerId + "' takes the notification on channel '" + channel + "': "
                + (type != null
                        ? "its '" + typeProperty + "' is '" + type + "'"
                        : "its payload is not a JSON object with a string property '" + typeProperty + "'")
                + ", and there is no @PgHandler(isDefault = true). Candidates: " + String.join(", ", candidates));
        this.listenerId = listenerId;
        this.channel = channel;
        this.type = type;
        this.candidates = List.copyOf(candidates);
    }

    /**
     * The listener's id.
     *
     * @return the id
     */
    public String listenerId() {
        return listenerId;
    }

    /**
     * The channel the notification came on.
     *
     * @return the channel name
     */
    public String channel() {
        return channel;
    }

    /**
     * The type the payload named.
     *
     * @return the type, or {@code null} when the payload named none
     */
    public @Nullable String type() {
        return type;
    }

    /**
     * The handlers there are, each as {@code 'type' -> Class.method(Parameter)}.
     *
     * @return the candidates
     */
    public List<String> candidates() {
        return candidates;
    }
}
