package io.pgnotify.spring;

import io.pgnotify.core.Notification;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.core.ResolvableType;

/**
 * The {@link PgHandler} methods of one class-level {@link PgListener}, by the type each takes, and the rule that picks
 * one for a notification: the payload's {@code typeProperty}, a string, names the type; a type no handler takes goes to
 * the default handler, else nowhere ({@link PgHandlerNotFoundException}). Checked when the bean is initialised: every
 * type is taken by one handler, and there is at most one default, so the choice is never ambiguous.
 */
final class PgHandlerMethods {

    private final String typeProperty;
    private final Map<String, ListenerMethod> byType;
    private final @Nullable ListenerMethod defaultHandler;
    private final ListenerMethod representative;
    private final List<String> candidates;

    private PgHandlerMethods(
            String typeProperty,
            Map<String, ListenerMethod> byType,
            @Nullable ListenerMethod defaultHandler,
            ListenerMethod representative,
            List<String> candidates) {
        this.typeProperty = typeProperty;
        this.byType = byType;
        this.defaultHandler = defaultHandler;
        this.representative = representative;
        this.candidates = candidates;
    }

    /**
     * Checks the handlers of a class and indexes them by type.
     *
     * @param description the class-level listener, as named in error messages
     * @param typeProperty the payload property that names the type
     * @param handlers each handler method with its annotation
     */
    static PgHandlerMethods of(String description, String typeProperty, Map<ListenerMethod, PgHandler> handlers) {
        if (typeProperty.isBlank()) {
            throw new BeanInitializationException(description + " has an empty typeProperty");
        }
        if (handlers.isEmpty()) {
            throw new BeanInitializationException(
                    description + " has no @PgHandler methods: annotate the methods that handle its notifications");
        }
        List<ListenerMethod> ordered = new ArrayList<>(handlers.keySet());
        // Declared-method order is not defined by the JVM: sort by name, so that messages and the representative are
        // stable.
        ordered.sort(Comparator.comparing(
                        (ListenerMethod handler) -> handler.declaredMethod().getName())
                .thenComparing(handler -> handler.declaredMethod().toGenericString()));
        Map<String, ListenerMethod> byType = new LinkedHashMap<>();
        ListenerMethod defaultHandler = null;
        List<String> candidates = new ArrayList<>();
        for (ListenerMethod handler : ordered) {
            PgHandler annotation = handlers.get(handler);
            for (String type : types(description, handler, annotation)) {
                ListenerMethod other = byType.putIfAbsent(type, handler);
                if (other != null) {
                    throw new BeanInitializationException(description + " has two @PgHandler methods for type '" + type
                            + "': " + signature(other.declaredMethod()) + " and "
                            + signature(handler.declaredMethod()) + "; name the types apart with @PgHandler(\"…\")");
                }
                candidates.add("'" + type + "' -> " + signature(handler.declaredMethod()));
            }
            if (annotation.isDefault()) {
                if (defaultHandler != null) {
                    throw new BeanInitializationException(description + " has two @PgHandler(isDefault = true)"
                            + " methods: " + signature(defaultHandler.declaredMethod()) + " and "
                            + signature(handler.declaredMethod()) + "; at most one may be the default");
                }
                defaultHandler = handler;
                candidates.add("default -> " + signature(handler.declaredMethod()));
            }
        }
        ListenerMethod representative = defaultHandler != null ? defaultHandler : ordered.get(0);
        return new PgHandlerMethods(typeProperty, byType, defaultHandler, representative, List.copyOf(candidates));
    }

    private static List<String> types(String description, ListenerMethod handler, PgHandler annotation) {
        if (annotation.value().length > 0) {
            for (String type : annotation.value()) {
                if (type.isEmpty()) {
                    throw new BeanInitializationException(description + ": @PgHandler method "
                            + signature(handler.declaredMethod()) + " names an empty type");
                }
            }
            return List.of(annotation.value());
        }
        for (ListenerMethod.Parameter parameter : handler.parameters()) {
            if (parameter.kind() == ListenerMethod.Kind.CONVERTED) {
                return List.of(
                        ResolvableType.forType(parameter.type()).toClass().getSimpleName());
            }
        }
        if (annotation.isDefault()) {
            return List.of();
        }
        throw new BeanInitializationException(description + ": @PgHandler method " + signature(handler.declaredMethod())
                + " has no payload parameter to take its type from: name its types with @PgHandler(\"…\") or make"
                + " it the default with @PgHandler(isDefault = true)");
    }

    /** The handler that stands for the listener where one method must be named (the default, else the first). */
    ListenerMethod representative() {
        return representative;
    }

    /**
     * The handler for a notification.
     *
     * @throws PgHandlerNotFoundException if no handler takes it and there is no default
     */
    ListenerMethod select(Notification notification, String listenerId, PgPayloadConverter converter) {
        String type = typeOf(notification.payload(), converter);
        ListenerMethod handler = type != null ? byType.get(type) : null;
        if (handler == null) {
            handler = defaultHandler;
        }
        if (handler == null) {
            throw new PgHandlerNotFoundException(listenerId, notification.channel(), typeProperty, type, candidates);
        }
        return handler;
    }

    /** The payload's type property when the payload is a JSON object and the property a string, else null. */
    private @Nullable String typeOf(String payload, PgPayloadConverter converter) {
        if (!payload.stripLeading().startsWith("{")) {
            return null;
        }
        Object document;
        try {
            document = converter.fromPayload(payload, Map.class);
        } catch (RuntimeException notJson) {
            return null;
        }
        return document instanceof Map<?, ?> map && map.get(typeProperty) instanceof String type ? type : null;
    }

    private static String signature(Method method) {
        StringBuilder signature = new StringBuilder(method.getDeclaringClass().getSimpleName())
                .append('.')
                .append(method.getName())
                .append('(');
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            signature.append(i == 0 ? "" : ", ").append(types[i].getSimpleName());
        }
        return signature.append(')').toString();
    }
}
