package io.pgnotify.spring.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Caps the distinct values of the {@code channel} tag: channel names can be generated at run time, and every value
 * makes new time series. The first {@code limit} channels seen keep their name; later ones share {@link #OTHER}.
 */
final class ChannelTags {

    static final String OTHER = "_other";

    private final int limit;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();

    ChannelTags(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("'maxChannelTags' must be 0 or more, got " + limit);
        }
        this.limit = limit;
    }

    String tag(String channel) {
        if (admitted.contains(channel)) {
            return channel;
        }
        synchronized (admitted) {
            if (admitted.size() < limit) {
                admitted.add(channel);
                return channel;
            }
        }
        return admitted.contains(channel) ? channel : OTHER;
    }
}
