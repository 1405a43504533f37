package io.pgnotify.spring.boot.autoconfigure;

import io.micrometer.observation.ObservationRegistry;
import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierListener;
import io.pgnotify.spring.PgListenerAnnotationBeanPostProcessor;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import io.pgnotify.spring.PgNotifyPublishListener;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.spring.PgPayloadConverter;
import io.pgnotify.spring.observation.PgNotifyTemplateObservationConvention;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetailsFactories;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.context.annotation.Scope;
import org.springframework.core.env.Environment;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Auto-configuration of PostgreSQL LISTEN/NOTIFY: a {@link Notifier} on a dedicated listening connection,
 * {@link io.pgnotify.spring.PgListener} methods and a transaction-aware {@link PgNotifyTemplate}.
 */
@AutoConfiguration(
        after = DataSourceAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
            "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"
        })
@ConditionalOnClass(
        value = {Notifier.class, DataSourceUtils.class},
        name = "org.postgresql.PGConnection")
@ConditionalOnBooleanProperty(name = "pgnotify.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PgNotifyProperties.class)
public final class PgNotifyAutoConfiguration {

    private static final String PHASE_TIMEOUT = "spring.lifecycle.timeout-per-shutdown-phase";

    @Bean
    @ConditionalOnMissingBean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static PgListenerAnnotationBeanPostProcessor pgListenerAnnotationBeanPostProcessor() {
        return new PgListenerAnnotationBeanPostProcessor();
    }

    @Bean
    static LazyInitializationExcludeFilter pgListenerLazyInitializationExcludeFilter() {
        return new PgListenerLazyInitializationExcludeFilter();
    }

    /** The notifier, the registry and the template, when there is a DataSource or a URL to connect with. */
    @Configuration(proxyBeanMethods = false)
    @Conditional(PgNotifyConnectionCondition.class)
    static final class ListeningConfiguration {

        @Bean
        @ConditionalOnMissingBean
        PgNotifyConnectionDetails pgNotifyConnectionDetails(
                PgNotifyProperties properties,
                ObjectProvider<JdbcConnectionDetails> jdbcConnectionDetails,
                @PgNotifyDataSource ObjectProvider<DataSource> qualified,
                ObjectProvider<DataSource> dataSources) {
            JdbcConnectionDetails jdbc = jdbcConnectionDetails.getIfAvailable();
            // A DataSource chosen with the qualifier is not necessarily the one JdbcConnectionDetails describe.
            if (jdbc != null && qualified.getIfAvailable() == null) {
                PgNotifyConnectionDetails details = (PgNotifyConnectionDetails)
                        new ConnectionDetailsFactories(getClass().getClassLoader())
                                .getConnectionDetails(jdbc, false)
                                .get(PgNotifyConnectionDetails.class);
                if (details != null) {
                    return details;
                }
            }
            ListeningConnection connection =
                    ListeningConnection.of(properties.getListener(), null, dataSource(qualified, dataSources));
            return new ListenerUrlConnectionDetails(connection);
        }

        /**
         * A builder with the properties, the customizers and the starter's hooks applied: a Notifier bean of the
         * application's own built from it keeps the reconnect event, the metrics and the startup gate.
         */
        @Bean
        @Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
        @ConditionalOnMissingBean
        Notifier.Builder pgNotifierBuilder(
                PgNotifyProperties properties,
                PgNotifyConnectionDetails connectionDetails,
                @PgNotifyDataSource ObjectProvider<DataSource> qualified,
                ObjectProvider<DataSource> dataSources,
                ObjectProvider<NotifierListener> listeners,
                ObjectProvider<NotifierBuilderCustomizer> customizers,
                ObjectProvider<Notifier> notifiers,
                ApplicationEventPublisher events,
                ListeningStartup startup,
                Environment environment) {
            NotifierListeners.Internal internal = new NotifierListeners.Internal(events, startup, notifiers);
            PgNotifyProperties.Reconnect reconnect = properties.getReconnect();
            DataSource dataSource = dataSource(qualified, dataSources);
            Notifier.Builder builder = Notifier.builder(
                            ListeningConnection.of(properties.getListener(), connectionDetails, dataSource))
                    .name("main")
                    .applicationName(properties.getListener().getApplicationName())
                    .reconnectInterval(reconnect.getInitialInterval())
                    .maxReconnectInterval(reconnect.getMaxInterval())
                    .reconnectBackoffMultiplier(reconnect.getMultiplier())
                    .maxReconnectAttempts(reconnect.getMaxAttempts())
                    .pingInterval(properties.getPingInterval())
                    .pingTimeout(properties.getPingTimeout())
                    .callbackTimeout(properties.getCallbackTimeout())
                    .bufferSize(properties.getBufferSize())
                    .overflowPolicy(properties.getOverflowPolicy())
                    .maxPayloadSize(properties.getMaxPayloadSize())
                    .shutdownTimeout(properties.getShutdownTimeout());
            if (dataSource != null) {
                builder.publisher(ConnectionProvider.of(dataSource));
            }
            if (properties.getMaxWorkers() != null) {
                builder.maxWorkers(properties.getMaxWorkers());
            }
            Duration maxLifetime = properties.getListener().getMaxLifetime();
            if (maxLifetime != null) {
                builder.maxLifetime(maxLifetime);
            }
            ThreadFactory handlerThreads = PgNotifyThreading.handlerThreadFactory(environment);
            if (handlerThreads != null) {
                builder.threadFactory(handlerThreads);
            }
            customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
            // Last, so that no customizer can drop the reconnect event, the metrics or the startup gate.
            builder.listener(new NotifierListeners(
                    internal, () -> listeners.orderedStream().toList()));
            startup.arm();
            return builder;
        }

        @Bean
        @ConditionalOnMissingBean
        Notifier pgNotifier(Notifier.Builder pgNotifierBuilder) {
            return pgNotifierBuilder.build();
        }

        @Bean
        @ConditionalOnMissingBean
        ListeningStartup pgNotifyListeningStartup(PgNotifyProperties properties) {
            return new ListeningStartup(
                    properties.getPingTimeout(), properties.getListener().getPhase());
        }

        @Bean
        @ConditionalOnMissingBean
        PgListenerEndpointRegistry pgListenerEndpointRegistry(
                Notifier notifier, PgNotifyProperties properties, Environment environment) {
            Duration phaseTimeout =
                    Binder.get(environment).bind(PHASE_TIMEOUT, Duration.class).orElse(Duration.ofSeconds(30));
            Duration shutdownTimeout = properties.getShutdownTimeout().compareTo(phaseTimeout) <= 0
                    ? properties.getShutdownTimeout()
                    : phaseTimeout;
            PgListenerEndpointRegistry registry = new PgListenerEndpointRegistry(notifier, shutdownTimeout);
            registry.setPhase(properties.getListener().getPhase());
            registry.setAutoStartup(properties.getListener().isAutoStartup());
            registry.setBatchSize(properties.getListener().getBatchSize());
            registry.setRetryPolicy(retryPolicy(properties.getListener().getRetry()));
            return registry;
        }

        @Bean
        @ConditionalOnMissingBean
        PgNotifyTemplate pgNotifyTemplate(
                @PgNotifyDataSource ObjectProvider<DataSource> qualified,
                ObjectProvider<DataSource> dataSources,
                PgNotifyConnectionDetails connectionDetails,
                PgNotifyProperties properties,
                ObjectProvider<PgPayloadConverter> converter,
                ObjectProvider<PgNotifyPublishListener> publishListeners,
                ObjectProvider<ObservationRegistry> observationRegistry,
                ObjectProvider<PgNotifyTemplateObservationConvention> observationConvention) {
            DataSource dataSource = dataSource(qualified, dataSources);
            if (dataSource == null) {
                // No JDBC DataSource (an R2DBC application): each publish opens a connection of its own.
                ListeningConnection connection =
                        ListeningConnection.of(properties.getListener(), connectionDetails, null);
                dataSource = new SimpleDriverDataSource(
                        new org.postgresql.Driver(), connectionDetails.getJdbcUrl(), connection.properties());
            }
            return PgNotifyTemplate.builder(dataSource)
                    .payloadConverter(converter.getIfUnique())
                    .maxPayloadSize(properties.getMaxPayloadSize())
                    .publishListeners(() -> publishListeners.orderedStream().toList())
                    .observationRegistry(observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP))
                    .observationConvention(observationConvention.getIfUnique())
                    .build();
        }

        private static @Nullable DataSource dataSource(
                ObjectProvider<DataSource> qualified, ObjectProvider<DataSource> dataSources) {
            DataSource chosen = qualified.getIfAvailable();
            return chosen != null ? chosen : dataSources.getIfUnique();
        }
    }

    private static @Nullable RetryPolicy retryPolicy(PgNotifyProperties.Retry retry) {
        if (retry.getMaxRetries() == 0) {
            return null;
        }
        return RetryPolicy.builder()
                .maxRetries(retry.getMaxRetries())
                .delay(retry.getDelay())
                .multiplier(retry.getMultiplier())
                .maxDelay(retry.getMaxDelay())
                .jitter(retry.getJitter())
                .build();
    }

    /** The listening connection's URL and login as configured, when no JdbcConnectionDetails describe it. */
    private record ListenerUrlConnectionDetails(ListeningConnection connection) implements PgNotifyConnectionDetails {

        @Override
        public String getJdbcUrl() {
            return connection.url();
        }

        @Override
        public @Nullable String getUsername() {
            return connection.properties().getProperty("user");
        }

        @Override
        public @Nullable String getPassword() {
            return connection.properties().getProperty("password");
        }
    }

    /** JSON payloads with the application's Jackson 3 mapper. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(JsonMapper.class)
    static final class JacksonConfiguration {

        @Bean
        @ConditionalOnMissingBean
        PgPayloadConverter pgPayloadConverter(ObjectProvider<JsonMapper> jsonMapper) {
            return new JacksonPgPayloadConverter(
                    jsonMapper.getIfUnique(() -> JsonMapper.builder().build()));
        }
    }
}
