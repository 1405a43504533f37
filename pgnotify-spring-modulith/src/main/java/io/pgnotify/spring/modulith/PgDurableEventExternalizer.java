package io.pgnotify.spring.modulith;

import io.pgnotify.spring.durable.PgDurablePublisher;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.spel.support.StandardEvaluationContext;
import org.springframework.modulith.events.EventExternalizationConfiguration;
import org.springframework.modulith.events.RoutingTarget;
import org.springframework.modulith.events.support.BrokerRouting;

/**
 * Externalizes the events Spring Modulith's {@link EventExternalizationConfiguration} selects (by default those
 * annotated {@code @Externalized}) to durable channels, at the moment they are published and in the publisher's
 * transaction: the event's routing target is the channel, its routing key (SpEL expressions included) the message key,
 * and the mapped event the payload, converted to JSON. The message commits or rolls back with the business change, and
 * reaches every consumer group at least once; a failure to store it fails the publishing call, so the transaction
 * does not commit without it. Published outside a transaction, the message is stored at once.
 *
 * <p>Unlike Modulith's after-commit externalizers (the {@code DelegatingEventExternalizer} of Modulith 2.0, the
 * module-listener mode of 2.1's {@code EventExternalizationTransport}) there is no window between the commit and the
 * externalization, and no event publication registry is needed to close it.
 */
public final class PgDurableEventExternalizer implements GenericApplicationListener {

    private static final Logger log = LoggerFactory.getLogger(PgDurableEventExternalizer.class);

    private final EventExternalizationConfiguration configuration;
    private final PgDurablePublisher publisher;
    private final EvaluationContext context;

    /**
     * Creates the externalizer.
     *
     * @param configuration which events to externalize, where to and how to map them
     * @param publisher stores the messages in the caller's transaction
     * @param beanFactory resolves bean references in routing expressions
     */
    public PgDurableEventExternalizer(
            EventExternalizationConfiguration configuration, PgDurablePublisher publisher, BeanFactory beanFactory) {
        this.configuration = Objects.requireNonNull(configuration, "'configuration' must not be null");
        this.publisher = Objects.requireNonNull(publisher, "'publisher' must not be null");
        StandardEvaluationContext evaluation = new StandardEvaluationContext();
        evaluation.setBeanResolver(new BeanFactoryResolver(beanFactory));
        this.context = evaluation;
    }

    @Override
    public boolean supportsEventType(ResolvableType eventType) {
        return true;
    }

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        Object candidate = event instanceof PayloadApplicationEvent<?> payload ? payload.getPayload() : event;
        if (!configuration.supports(candidate)) {
            return;
        }
        externalize(candidate);
    }

    /**
     * Stores one event as a durable message, in the caller's transaction if there is one.
     *
     * @param event an event the configuration supports
     * @return the message id
     * @throws IllegalArgumentException if its routing names no channel
     */
    public long externalize(Object event) {
        RoutingTarget target = configuration.determineTarget(event);
        Object mapped = configuration.map(event);
        BrokerRouting routing = BrokerRouting.of(target, context);
        String channel = routing.getTarget(mapped);
        if (channel == null || channel.isBlank()) {
            throw new IllegalArgumentException("Event " + event.getClass().getName() + " is routed to no durable"
                    + " channel (routing target '" + target + "')");
        }
        @Nullable String key = routing.getKey(mapped);
        long id = publisher.publish(channel, key, mapped);
        log.debug(
                "Externalized {} to durable channel '{}' as message {}",
                event.getClass().getName(),
                channel,
                id);
        return id;
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
