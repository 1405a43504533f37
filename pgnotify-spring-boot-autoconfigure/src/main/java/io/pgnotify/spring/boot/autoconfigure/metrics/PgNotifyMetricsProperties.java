package io.pgnotify.spring.boot.autoconfigure.metrics;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Configuration of pgnotify's meters. */
@ConfigurationProperties("pgnotify.metrics")
public class PgNotifyMetricsProperties {

    /**
     * Most distinct values of the 'channel' tag. Channels beyond it are counted under '_other', so that channel names
     * made up at run time cannot flood the meter registry.
     */
    private int maxChannelTags = 100;

    public int getMaxChannelTags() {
        return this.maxChannelTags;
    }

    public void setMaxChannelTags(int maxChannelTags) {
        if (maxChannelTags < 0) {
            throw new IllegalArgumentException(
                    "'pgnotify.metrics.max-channel-tags' must be 0 or more, got " + maxChannelTags);
        }
        this.maxChannelTags = maxChannelTags;
    }
}
