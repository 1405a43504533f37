package io.pgnotify.spring.boot.autoconfigure.health;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.spring.boot.autoconfigure.PgNotifyAutoConfiguration;
import io.pgnotify.spring.durable.PgDurableHealthIndicator;
import io.pgnotify.spring.health.PgNotifyHealthIndicator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code pgnotify} health component, unless
 * {@code management.health.pgnotify.enabled=false}.
 */
@AutoConfiguration(
        after = PgNotifyAutoConfiguration.class,
        afterName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(ConditionalOnEnabledHealthIndicator.class)
@ConditionalOnSingleCandidate(Notifier.class)
@ConditionalOnEnabledHealthIndicator("pgnotify")
public final class PgNotifyHealthAutoConfiguration {

    /** Named so that the component is {@code pgnotify}: the bean name minus {@code HealthIndicator}. */
    @Bean
    @ConditionalOnMissingBean(name = "pgnotifyHealthIndicator")
    PgNotifyHealthIndicator pgnotifyHealthIndicator(Notifier notifier, ObjectProvider<DurableChannels> durable) {
        DurableChannels channels = durable.getIfUnique();
        return new PgNotifyHealthIndicator(notifier, channels == null ? null : new PgDurableHealthIndicator(channels));
    }
}
