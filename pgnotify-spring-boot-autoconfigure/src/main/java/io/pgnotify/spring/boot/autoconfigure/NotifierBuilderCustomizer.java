package io.pgnotify.spring.boot.autoconfigure;

import io.pgnotify.core.Notifier;

/**
 * Customises the auto-configured {@link Notifier} before it is built: reconnect jitter, worker count, a connection
 * provider of one's own for publishing... Every bean of this type is applied in order, after the {@code pgnotify.*}
 * properties. The auto-configured notifier keeps its hooks (the reconnect event, metrics, the startup gate) whatever a
 * customizer does: add hooks of your own as {@link io.pgnotify.core.NotifierListener} beans, not with {@link
 * Notifier.Builder#listener}, which the starter's hooks replace.
 */
@FunctionalInterface
public interface NotifierBuilderCustomizer {

    /**
     * Customises the builder.
     *
     * @param builder the builder, with the properties applied
     */
    void customize(Notifier.Builder builder);
}
