package io.pgnotify.spring.boot.autoconfigure.endpoint;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import io.pgnotify.spring.boot.autoconfigure.PgNotifyAutoConfiguration;
import io.pgnotify.spring.boot.autoconfigure.PgNotifyProperties;
import io.pgnotify.spring.endpoint.ChannelActivity;
import io.pgnotify.spring.endpoint.PgNotifyEndpoint;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/** Auto-configuration of the {@code pgnotify} actuator endpoint, when it is available (enabled and exposed). */
@AutoConfiguration(after = PgNotifyAutoConfiguration.class)
@ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
@ConditionalOnSingleCandidate(Notifier.class)
@ConditionalOnAvailableEndpoint(PgNotifyEndpoint.class)
public final class PgNotifyEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ChannelActivity pgNotifyChannelActivity() {
        return new ChannelActivity();
    }

    @Bean
    @ConditionalOnMissingBean
    PgNotifyEndpoint pgNotifyEndpoint(
            Notifier notifier,
            ChannelActivity activity,
            ObjectProvider<PgNotifyProperties> properties,
            ObjectProvider<PgListenerEndpointRegistry> registry,
            ObjectProvider<DurableChannels> durable) {
        String applicationName =
                properties.getIfAvailable(PgNotifyProperties::new).getListener().getApplicationName();
        return new PgNotifyEndpoint(
                notifier, applicationName, activity, registry.getIfAvailable(), durable.getIfUnique());
    }
}
