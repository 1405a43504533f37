package io.pgnotify.spring;

import io.pgnotify.core.Notification;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanInitializationException;

/**
 * A {@link PgListener} method found on a bean, with its resolved channels and how each parameter is served. Built when
 * the bean is initialised, so an unusable signature fails the startup.
 *
 * @param beanName the bean's name
 * @param bean the bean (possibly a proxy)
 * @param declaredMethod the annotated method
 * @param invocableMethod the method to call on {@code bean}
 * @param id the listener id
 * @param channels the resolved channel names
 * @param parameters how each parameter is served
 * @param autoStartup whether the listener starts with the context, or {@code null} for the registry's default
 * @param errorHandler the name of its error handler bean, or empty for the default
 * @param retryPolicy the name of its retry policy bean, or empty for the default
 */
record ListenerMethod(
        String beanName,
        Object bean,
        Method declaredMethod,
        Method invocableMethod,
        String id,
        List<String> channels,
        Parameter[] parameters,
        @Nullable Boolean autoStartup,
        String errorHandler,
        String retryPolicy) {

    enum Kind {
        /** The raw payload. */
        STRING,
        /** The whole notification. */
        NOTIFICATION,
        /** The payload converted to the parameter's type. */
        CONVERTED,
        /** A batch's raw payloads. */
        BATCH_STRING,
        /** A batch's notifications. */
        BATCH_NOTIFICATION,
        /** A batch's payloads, each converted to the list's element type. */
        BATCH_CONVERTED
    }

    record Parameter(Kind kind, Type type) {}

    /** A batch listener takes exactly one {@code List} of payloads, notifications or converted payloads. */
    static Parameter[] batchParameters(String beanName, Method method) {
        Type[] genericTypes = method.getGenericParameterTypes();
        if (genericTypes.length != 1
                || !(genericTypes[0] instanceof java.lang.reflect.ParameterizedType list)
                || list.getRawType() != List.class) {
            throw new BeanInitializationException("@PgListener(batch = true) method " + describe(beanName, method)
                    + " must take exactly one parameter, a List<String>, List<Notification> or List of a type"
                    + " converted from JSON");
        }
        Type element = list.getActualTypeArguments()[0];
        Kind kind = element == String.class
                ? Kind.BATCH_STRING
                : element == Notification.class ? Kind.BATCH_NOTIFICATION : Kind.BATCH_CONVERTED;
        return new Parameter[] {new Parameter(kind, element)};
    }

    /** Works out how to serve every parameter; fails naming the bean and method when it cannot. */
    static Parameter[] parameters(String beanName, Method method) {
        Class<?>[] types = method.getParameterTypes();
        Type[] genericTypes = method.getGenericParameterTypes();
        Parameter[] parameters = new Parameter[types.length];
        int payloads = 0;
        int notifications = 0;
        for (int i = 0; i < types.length; i++) {
            Kind kind;
            if (types[i] == Notification.class) {
                kind = Kind.NOTIFICATION;
                notifications++;
            } else if (types[i] == String.class) {
                kind = Kind.STRING;
                payloads++;
            } else {
                kind = Kind.CONVERTED;
                payloads++;
            }
            parameters[i] = new Parameter(kind, genericTypes[i]);
        }
        if (payloads > 1 || notifications > 1) {
            throw new BeanInitializationException("@PgListener method " + describe(beanName, method)
                    + " cannot be served: it may take at most one payload parameter (a String or a type converted"
                    + " from JSON) and at most one Notification");
        }
        return parameters;
    }

    static String describe(String beanName, Method method) {
        return "'" + method.getDeclaringClass().getSimpleName() + "." + method.getName() + "' of bean '" + beanName
                + "'";
    }

    boolean isBatch() {
        return parameters.length == 1
                && (parameters[0].kind() == Kind.BATCH_STRING
                        || parameters[0].kind() == Kind.BATCH_NOTIFICATION
                        || parameters[0].kind() == Kind.BATCH_CONVERTED);
    }

    boolean needsConverter() {
        for (Parameter parameter : parameters) {
            if (parameter.kind() == Kind.CONVERTED || parameter.kind() == Kind.BATCH_CONVERTED) {
                return true;
            }
        }
        return false;
    }
}
