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
import java.time.Duration;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.jdbc.datasource.DataSourceUtils;
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
        value = {Notifier.class, DataSource.class, DataSourceUtils.class},
        name = "org.postgresql.PGConnection")
@ConditionalOnBooleanProperty(name = "pgnotify.enabled", matchIfMissing = true)
@ConditionalOnSingleCandidate(DataSource.class)
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

    @Bean
    @ConditionalOnMissingBean
    Notifier pgNotifier(
            PgNotifyProperties properties,
            DataSource dataSource,
            ObjectProvider<JdbcConnectionDetails> connectionDetails,
            ObjectProvider<NotifierListener> listeners,
            ObjectProvider<NotifierBuilderCustomizer> customizers,
            ApplicationEventPublisher events,
            ListeningStartup startup) {
        NotifierListeners.Internal internal = new NotifierListeners.Internal(events, startup);
        PgNotifyProperties.Reconnect reconnect = properties.getReconnect();
        Notifier.Builder builder = Notifier.builder(listeningConnection(properties.getListener(), connectionDetails))
                .name("main")
                .publisher(ConnectionProvider.of(dataSource))
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
        if (properties.getMaxWorkers() != null) {
            builder.maxWorkers(properties.getMaxWorkers());
        }
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        // Last, so that no customizer can drop the reconnect event, the metrics or the startup gate.
        Notifier notifier = builder.listener(new NotifierListeners(
                        internal, () -> listeners.orderedStream().toList()))
                .build();
        internal.bind(notifier);
        startup.arm();
        return notifier;
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
        registry.setRetryPolicy(retryPolicy(properties.getListener().getRetry()));
        return registry;
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

    @Bean
    @ConditionalOnMissingBean
    PgNotifyTemplate pgNotifyTemplate(
            DataSource dataSource,
            PgNotifyProperties properties,
            ObjectProvider<PgPayloadConverter> converter,
            ObjectProvider<PgNotifyPublishListener> publishListeners,
            ObjectProvider<ObservationRegistry> observationRegistry) {
        return PgNotifyTemplate.builder(dataSource)
                .payloadConverter(converter.getIfUnique())
                .maxPayloadSize(properties.getMaxPayloadSize())
                .publishListeners(() -> publishListeners.orderedStream().toList())
                .observationRegistry(observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP))
                .build();
    }

    private static ConnectionProvider listeningConnection(
            PgNotifyProperties.Listener listener, ObjectProvider<JdbcConnectionDetails> connectionDetails) {
        JdbcConnectionDetails details = connectionDetails.getIfAvailable();
        String url = listener.getUrl();
        if (url == null) {
            if (details == null) {
                throw new IllegalStateException("pgnotify.listener.url must be set: the application's DataSource has"
                        + " no JdbcConnectionDetails to take the listening connection's details from");
            }
            url = details.getJdbcUrl();
        }
        return ConnectionProvider.of(
                url,
                orElse(listener.getUsername(), details != null ? details.getUsername() : null),
                orElse(listener.getPassword(), details != null ? details.getPassword() : null));
    }

    private static @Nullable String orElse(@Nullable String value, @Nullable String fallback) {
        return value != null ? value : fallback;
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
