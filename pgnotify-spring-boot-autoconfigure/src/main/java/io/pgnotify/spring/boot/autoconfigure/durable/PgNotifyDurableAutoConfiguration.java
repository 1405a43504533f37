package io.pgnotify.spring.boot.autoconfigure.durable;

import io.micrometer.core.instrument.MeterRegistry;
import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.core.durable.DurableListener;
import io.pgnotify.core.durable.DurableMessage;
import io.pgnotify.core.durable.RetryBackoff;
import io.pgnotify.spring.PgPayloadConverter;
import io.pgnotify.spring.boot.autoconfigure.PgNotifyAutoConfiguration;
import io.pgnotify.spring.durable.PgDurableEndpoint;
import io.pgnotify.spring.durable.PgDurableListenerAnnotationBeanPostProcessor;
import io.pgnotify.spring.durable.PgDurableMetrics;
import io.pgnotify.spring.durable.PgDurablePublisher;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.util.function.SingletonSupplier;

/** Durable channels beside the auto-configured {@link Notifier}, on the application's DataSource. */
@AutoConfiguration(after = PgNotifyAutoConfiguration.class)
@ConditionalOnBean({Notifier.class, DataSource.class})
@ConditionalOnBooleanProperty(name = "pgnotify.durable.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PgNotifyDurableProperties.class)
public final class PgNotifyDurableAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static PgDurableListenerAnnotationBeanPostProcessor pgDurableListenerAnnotationBeanPostProcessor() {
        return new PgDurableListenerAnnotationBeanPostProcessor();
    }

    @Bean
    @ConditionalOnMissingBean
    DurableSchemaInitializer pgNotifyDurableSchemaInitializer(
            DataSource dataSource, PgNotifyDurableProperties properties) {
        return new DurableSchemaInitializer(dataSource, properties.getInitializeSchema());
    }

    @Bean
    @ConditionalOnMissingBean
    DurableChannels pgDurableChannels(
            Notifier notifier,
            DataSource dataSource,
            PgNotifyDurableProperties properties,
            Environment environment,
            ObjectProvider<DurableListener> listeners,
            DurableSchemaInitializer schema) {
        PgNotifyDurableProperties.RetryBackoff backoff = properties.getRetryBackoff();
        return DurableChannels.builder(notifier, ConnectionProvider.of(dataSource))
                .instance(instance(properties, environment))
                .pollInterval(properties.getPollInterval())
                .leaseTimeout(properties.getLeaseTimeout())
                .maxAttempts(properties.getMaxAttempts())
                .retryBackoff(new RetryBackoff(backoff.getInitial(), backoff.getMultiplier(), backoff.getMax()))
                .batchSize(properties.getBatchSize())
                .retention(properties.getRetention())
                .startFrom(properties.getStartFrom())
                .listener(new Listeners(
                        SingletonSupplier.of(() -> listeners.orderedStream().toList())))
                .build();
    }

    @Bean
    @ConditionalOnMissingBean
    PgDurablePublisher pgDurablePublisher(DataSource dataSource, ObjectProvider<PgPayloadConverter> converter) {
        return new PgDurablePublisher(dataSource, converter.getIfAvailable());
    }

    @Bean
    @ConditionalOnMissingBean
    DurableLifecycle pgDurableLifecycle(
            DurableChannels durable,
            DurableSchemaInitializer schema,
            PgDurableListenerAnnotationBeanPostProcessor listeners) {
        return new DurableLifecycle(durable, schema, listeners);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    @ConditionalOnBean(MeterRegistry.class)
    static final class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        PgDurableMetrics pgDurableMetrics(DurableChannels durable) {
            return new PgDurableMetrics(() -> {
                try {
                    return durable.groups();
                } catch (SQLException e) {
                    throw new UncategorizedSQLException("read durable groups", null, e);
                }
            });
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(
            name = "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint")
    @ConditionalOnAvailableEndpoint(PgDurableEndpoint.class)
    static final class EndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        PgDurableEndpoint pgDurableEndpoint(DurableChannels durable) {
            return new PgDurableEndpoint(durable);
        }
    }

    private static String instance(PgNotifyDurableProperties properties, Environment environment) {
        String configured = properties.getInstance();
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        String application = environment.getProperty("spring.application.name", "pgnotify");
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return application + "@" + host + ":"
                + ManagementFactory.getRuntimeMXBean().getPid() + ":"
                + Integer.toHexString(System.identityHashCode(properties));
    }

    /** Fans the consumers' hooks out to every {@link DurableListener} bean. */
    private record Listeners(java.util.function.Supplier<List<DurableListener>> beans) implements DurableListener {

        @Override
        public void onDelivered(String group, DurableMessage message) {
            beans.get().forEach(l -> l.onDelivered(group, message));
        }

        @Override
        public void onRetry(String group, DurableMessage message, Throwable error) {
            beans.get().forEach(l -> l.onRetry(group, message, error));
        }

        @Override
        public void onDeadLetter(String group, DurableMessage message, Throwable error) {
            beans.get().forEach(l -> l.onDeadLetter(group, message, error));
        }

        @Override
        public void onLeaseLost(String channel, String group) {
            beans.get().forEach(l -> l.onLeaseLost(channel, group));
        }

        @Override
        public void onError(String channel, @Nullable String group, Throwable error) {
            beans.get().forEach(l -> l.onError(channel, group, error));
        }
    }
}
