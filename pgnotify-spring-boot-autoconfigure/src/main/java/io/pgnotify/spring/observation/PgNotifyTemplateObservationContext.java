package io.pgnotify.spring.observation;

import io.micrometer.observation.Observation;
import java.util.Objects;

/** What a {@code pgnotify.publish} observation knows: the channel and how many notifications the send carries. */
public class PgNotifyTemplateObservationContext extends Observation.Context {

    private final String channel;
    private final int count;

    /**
     * Creates the context of one send.
     *
     * @param channel the channel sent to
     * @param count how many notifications the send carries, 1 or more
     */
    public PgNotifyTemplateObservationContext(String channel, int count) {
        this.channel = Objects.requireNonNull(channel, "'channel' must not be null");
        this.count = count;
    }

    /**
     * The channel sent to.
     *
     * @return the channel name
     */
    public String getChannel() {
        return channel;
    }

    /**
     * How many notifications the send carries: 1 for {@code publish}, the list's size for {@code publishAll}.
     *
     * @return the count
     */
    public int getCount() {
        return count;
    }
}
