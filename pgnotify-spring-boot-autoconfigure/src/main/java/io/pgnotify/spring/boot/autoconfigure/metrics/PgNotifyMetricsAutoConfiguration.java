package io.pgnotify.spring.boot.autoconfigure.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.OverflowPolicy;
import io.pgnotify.spring.boot.autoconfigure.PgNotifyAutoConfiguration;
import io.pgnotify.spring.boot.autoconfigure.PgNotifyProperties;
import io.pgnotify.spring.metrics.PgNotifyConnectionMetrics;
import io.pgnotify.spring.metrics.PgNotifyMetrics;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of pgnotify's Micrometer meters, when the application has a {@link MeterRegistry} and a
 * {@link Notifier}. Boot binds both {@code MeterBinder} beans to its registry; the notifier and the template find
 * {@link PgNotifyMetrics} as one of their listeners.
 */
@AutoConfiguration(
        after = PgNotifyAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnSingleCandidate(Notifier.class)
@EnableConfigurationProperties(PgNotifyMetricsProperties.class)
public final class PgNotifyMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PgNotifyMetrics pgNotifyMetrics(
            PgNotifyMetricsProperties metricsProperties, ObjectProvider<PgNotifyProperties> properties) {
        OverflowPolicy policy =
                properties.getIfAvailable(PgNotifyProperties::new).getOverflowPolicy();
        return new PgNotifyMetrics(metricsProperties.getMaxChannelTags(), policy);
    }

    /** Caps the channel tag of the meters Micrometer makes of pgnotify's observations, too. */
    @Bean
    @ConditionalOnMissingBean(name = "pgNotifyChannelTagFilter")
    MeterFilter pgNotifyChannelTagFilter(PgNotifyMetrics metrics) {
        return metrics.channelTagFilter();
    }

    @Bean
    @ConditionalOnMissingBean
    PgNotifyConnectionMetrics pgNotifyConnectionMetrics(Notifier notifier) {
        return new PgNotifyConnectionMetrics(notifier);
    }
}
