package io.pgnotify.spring.endpoint;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierStatus;
import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.core.durable.GroupStatus;
import io.pgnotify.spring.PgListenerEndpoint;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code pgnotify} actuator endpoint: the listening connection (state, backend pid, {@code application_name}, last
 * reconnect, session age and rotations) and every channel with its listeners and counts of notifications received,
 * dropped and failed. Never shows a URL, user, password or payload.
 */
@Endpoint(id = "pgnotify")
public final class PgNotifyEndpoint {

    private final Notifier notifier;
    private final String applicationName;
    private final ChannelActivity activity;
    private final @Nullable PgListenerEndpointRegistry registry;
    private final @Nullable DurableChannels durable;

    /**
     * Creates the endpoint.
     *
     * @param notifier the notifier
     * @param applicationName the {@code application_name} of its listening connection
     * @param activity the per-channel counts, registered as a listener of the notifier
     * @param registry the {@code @PgListener} endpoints, if any
     */
    public PgNotifyEndpoint(
            Notifier notifier,
            String applicationName,
            ChannelActivity activity,
            @Nullable PgListenerEndpointRegistry registry) {
        this(notifier, applicationName, activity, registry, null);
    }

    /**
     * Creates the endpoint, describing the durable channels' groups too.
     *
     * @param notifier the notifier
     * @param applicationName the {@code application_name} of its listening connection
     * @param activity the per-channel counts, registered as a listener of the notifier
     * @param registry the {@code @PgListener} endpoints, if any
     * @param durable the durable channels, if any
     */
    public PgNotifyEndpoint(
            Notifier notifier,
            String applicationName,
            ChannelActivity activity,
            @Nullable PgListenerEndpointRegistry registry,
            @Nullable DurableChannels durable) {
        this.durable = durable;
        this.notifier = Objects.requireNonNull(notifier, "'notifier' must not be null");
        this.applicationName = Objects.requireNonNull(applicationName, "'applicationName' must not be null");
        this.activity = Objects.requireNonNull(activity, "'activity' must not be null");
        this.registry = registry;
    }

    /**
     * Describes the notifier.
     *
     * @return the description
     */
    @ReadOperation
    public NotifierDescriptor describe() {
        NotifierStatus status = notifier.status();
        Map<String, List<ListenerDescriptor>> listeners = new TreeMap<>();
        if (registry != null) {
            for (PgListenerEndpoint endpoint : registry.endpoints()) {
                for (String channel : endpoint.channels()) {
                    listeners
                            .computeIfAbsent(channel, c -> new ArrayList<>())
                            .add(new ListenerDescriptor(
                                    endpoint.id(),
                                    endpoint.beanName() + "#"
                                            + endpoint.method().getName()));
                }
            }
        }
        TreeSet<String> names = new TreeSet<>(status.channels());
        names.addAll(listeners.keySet());
        names.addAll(activity.channels());
        Map<String, ChannelDescriptor> channels = new TreeMap<>();
        for (String name : names) {
            channels.put(
                    name,
                    new ChannelDescriptor(
                            status.listenedChannels().contains(name),
                            listeners.getOrDefault(name, List.of()),
                            activity.received(name),
                            activity.dropped(name),
                            activity.errors(name)));
        }
        return new NotifierDescriptor(
                status.name(),
                status.state().name(),
                status.backendPid() == 0 ? null : status.backendPid(),
                applicationName,
                status.connectedSince(),
                status.reconnects(),
                status.lastReconnectAt(),
                status.sessionAge(),
                status.rotations(),
                status.lastRotationAt(),
                status.lastPingAt(),
                status.lastError(),
                channels,
                durable());
    }

    private @Nullable DurableDescriptor durable() {
        if (durable == null) {
            return null;
        }
        try {
            return new DurableDescriptor(durable.instance(), durable.groups(), null);
        } catch (SQLException e) {
            return new DurableDescriptor(
                    durable.instance(), List.of(), e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * The notifier and its listening connection.
     *
     * @param name the notifier's name
     * @param state its state
     * @param backendPid the listening connection's backend process id, {@code null} while not connected
     * @param applicationName the listening connection's {@code application_name}
     * @param connectedSince when the listening connection was opened
     * @param reconnects completed reconnects since start
     * @param lastReconnect when the last reconnect completed
     * @param sessionAge how long the current listening session has been open, {@code null} while not connected
     * @param rotations completed rotations (gapless replacements of the listening session) since start
     * @param lastRotation when the last rotation completed, {@code null} before the first
     * @param lastPing when the last ping and end-to-end probe succeeded
     * @param lastError the last connection or probe failure
     * @param channels every channel, by name
     * @param durable the durable channels' groups, {@code null} without durable channels
     */
    public record NotifierDescriptor(
            String name,
            String state,
            @Nullable Integer backendPid,
            String applicationName,
            @Nullable Instant connectedSince,
            long reconnects,
            @Nullable Instant lastReconnect,
            @Nullable Duration sessionAge,
            long rotations,
            @Nullable Instant lastRotation,
            @Nullable Instant lastPing,
            @Nullable String lastError,
            Map<String, ChannelDescriptor> channels,
            @Nullable DurableDescriptor durable)
            implements OperationResponseBody {}

    /**
     * The durable channels of this application.
     *
     * @param instance this instance's name, the owner it writes into the groups it holds
     * @param groups each group's position, lag, age of its oldest unhandled message, owner, lease and dead letters
     * @param error why the groups could not be read, {@code null} when they were
     */
    public record DurableDescriptor(
            String instance,
            List<GroupStatus> groups,
            @Nullable String error) {}

    /**
     * One channel.
     *
     * @param listening whether it is listened to on the current connection
     * @param listeners the {@code @PgListener} methods subscribed to it
     * @param received notifications received since start
     * @param dropped notifications dropped because the buffer was full
     * @param errors notifications whose handler failed or timed out
     */
    public record ChannelDescriptor(
            boolean listening, List<ListenerDescriptor> listeners, long received, long dropped, long errors) {}

    /**
     * One {@code @PgListener} method.
     *
     * @param id the listener's id
     * @param method {@code beanName#methodName}
     */
    public record ListenerDescriptor(String id, String method) {}
}
