package io.pgnotify.spring;

import java.lang.reflect.Method;
import java.util.List;

/**
 * A {@link PgListener} method, or a class-level {@link PgListener} with its {@link PgHandler} methods, subscribed to a
 * channel. The handlers the framework subscribes to the {@link
 * io.pgnotify.core.Notifier} implement this interface, so hooks such as {@link
 * io.pgnotify.core.NotifierListener#onHandled} can tell which listener handled a notification.
 */
public interface PgListenerEndpoint {

    /**
     * The listener's id, {@code beanName#methodName} unless {@link PgListener#id()} says otherwise.
     *
     * @return the id
     */
    String id();

    /**
     * The name of the bean declaring the method.
     *
     * @return the bean name
     */
    String beanName();

    /**
     * The annotated method, as declared (not the proxy's). For a class-level {@link PgListener}: in a {@link
     * PgListenerErrorHandler}, the {@link PgHandler} method that failed (or, when no handler took the notification,
     * the default handler or else the first by name); elsewhere its default handler, or else its first by name.
     *
     * @return the method
     */
    Method method();

    /**
     * The channels this handler is subscribed to: one endpoint exists per method and channel.
     *
     * @return the channel names, exact
     */
    List<String> channels();
}
