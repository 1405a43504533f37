package io.pgnotify.core;

import java.util.Objects;

/**
 * PostgreSQL's limits on channel names and payloads, checked before anything is sent or listened to.
 *
 * <p>The server truncates identifiers longer than 63 bytes without a word, which would make a listener and a publisher
 * disagree on the channel; so longer names are rejected here. Both limits count UTF-8 bytes, not characters.
 */
public final class NotifyLimits {

    /** The longest channel name PostgreSQL keeps intact, in bytes ({@code NAMEDATALEN - 1}). */
    public static final int MAX_CHANNEL_BYTES = 63;

    /** The largest payload PostgreSQL accepts, in bytes ({@code NOTIFY_PAYLOAD_MAX_LENGTH - 1}). */
    public static final int MAX_PAYLOAD_BYTES = 7999;

    private NotifyLimits() {}

    /**
     * Checks a channel name.
     *
     * @param channel the name, used exactly as given (case and spaces included)
     * @return the name
     * @throws IllegalArgumentException if it is empty, holds a NUL character, or is over 63 UTF-8 bytes
     */
    public static String checkChannel(String channel) {
        Objects.requireNonNull(channel, "'channel' must not be null");
        if (channel.isEmpty()) {
            throw new IllegalArgumentException("Channel name must not be empty");
        }
        if (channel.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                    "Channel name '" + channel.replace('\0', '?') + "' must not contain a NUL character");
        }
        int bytes = utf8Length(channel);
        if (bytes > MAX_CHANNEL_BYTES) {
            throw new IllegalArgumentException("Channel name '" + channel + "' is " + bytes
                    + " bytes in UTF-8; PostgreSQL's limit is " + MAX_CHANNEL_BYTES + " bytes");
        }
        return channel;
    }

    /**
     * Checks a payload against a limit.
     *
     * @param channel the channel it is for, named in the error
     * @param payload the payload
     * @param maxBytes the limit in UTF-8 bytes, at most {@link #MAX_PAYLOAD_BYTES}
     * @return the payload
     * @throws IllegalArgumentException if it is over the limit
     */
    public static String checkPayload(String channel, String payload, int maxBytes) {
        Objects.requireNonNull(payload, () -> "Payload for channel '" + channel + "' must not be null");
        // A char is at most 3 UTF-8 bytes: most payloads need no counting at all.
        if (payload.length() * 3L > maxBytes) {
            int bytes = utf8Length(payload);
            if (bytes > maxBytes) {
                throw new IllegalArgumentException("Payload for channel '" + channel + "' is " + bytes
                        + " bytes in UTF-8; the limit is " + maxBytes + " bytes");
            }
        }
        return payload;
    }

    static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    static void checkMaxPayloadSize(int maxPayloadSize) {
        if (maxPayloadSize < 1 || maxPayloadSize > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException(
                    "'maxPayloadSize' must be between 1 and " + MAX_PAYLOAD_BYTES + " bytes, got " + maxPayloadSize);
        }
    }
}
