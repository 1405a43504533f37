package io.pgnotify.spring.modulith;

import io.pgnotify.spring.boot.autoconfigure.durable.PgNotifyDurableAutoConfiguration;
import io.pgnotify.spring.durable.PgDurablePublisher;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.modulith.events.EventExternalizationConfiguration;
import org.springframework.modulith.events.config.EventExternalizationAutoConfiguration;

/**
 * Makes durable channels the externalization target of Spring Modulith: a {@link PgDurableEventExternalizer} on the
 * application's {@link EventExternalizationConfiguration}. Off with {@code pgnotify.modulith.externalization.enabled
 * =false}; Modulith's own {@code spring.modulith.events.externalization.enabled=false} turns it off too.
 */
@AutoConfiguration(after = {PgNotifyDurableAutoConfiguration.class, EventExternalizationAutoConfiguration.class})
@ConditionalOnClass(EventExternalizationConfiguration.class)
@ConditionalOnBean({PgDurablePublisher.class, EventExternalizationConfiguration.class})
@ConditionalOnBooleanProperty(name = "pgnotify.modulith.externalization.enabled", matchIfMissing = true)
public final class PgNotifyModulithAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PgDurableEventExternalizer pgDurableEventExternalizer(
            EventExternalizationConfiguration configuration, PgDurablePublisher publisher, BeanFactory beanFactory) {
        return new PgDurableEventExternalizer(configuration, publisher, beanFactory);
    }
}
