package io.pgnotify.core;

import java.time.Instant;
import java.util.Objects;

/**
 * One notification as received on the listening connection.
 *
 * @param channel the channel, exactly as the sender named it
 * @param payload the payload; empty when the sender gave none
 * @param pid the process id of the sending backend
 * @param receivedAt when the listening connection read it
 */
public record Notification(String channel, String payload, int pid, Instant receivedAt) {

    /** Checks that no component is null. */
    public Notification {
        Objects.requireNonNull(channel, "'channel' must not be null");
        Objects.requireNonNull(payload, "'payload' must not be null");
        Objects.requireNonNull(receivedAt, "'receivedAt' must not be null");
    }

    @Override
    public String toString() {
        // The payload may be sensitive: logs and errors show its length only.
        return "Notification[channel=" + channel + ", pid=" + pid + ", payload=" + payload.length() + " chars]";
    }
}
