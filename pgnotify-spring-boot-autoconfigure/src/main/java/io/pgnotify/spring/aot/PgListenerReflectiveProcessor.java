package io.pgnotify.spring.aot;

import io.pgnotify.core.Notification;
import io.pgnotify.core.durable.DurableMessage;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.aot.hint.annotation.SimpleReflectiveProcessor;

/**
 * Registers a listener method for invocation, and binding hints for its payload parameter, so that a native image can
 * find the method, call it, and let the {@link io.pgnotify.spring.PgPayloadConverter} build the payload object.
 *
 * <p>Used through {@code @Reflective(PgListenerReflectiveProcessor.class)} on {@link io.pgnotify.spring.PgListener},
 * {@link io.pgnotify.spring.PgHandler} and {@link io.pgnotify.spring.durable.PgDurableListener}:
 * Spring's AOT step runs it for every annotated method of every bean. A payload parameter is any parameter that is
 * neither a {@code String} (the raw payload), a {@link Notification} nor a {@link DurableMessage}; its binding hints reach records, nested and
 * generic types, and the elements of collections such as {@code List<Order>}.
 */
public class PgListenerReflectiveProcessor extends SimpleReflectiveProcessor {

    private final BindingReflectionHintsRegistrar bindingRegistrar = new BindingReflectionHintsRegistrar();

    @Override
    protected void registerMethodHint(ReflectionHints hints, Method method) {
        super.registerMethodHint(hints, method);
        Class<?>[] types = method.getParameterTypes();
        Type[] genericTypes = method.getGenericParameterTypes();
        for (int i = 0; i < types.length; i++) {
            if (isPayload(types[i])) {
                bindingRegistrar.registerReflectionHints(hints, genericTypes[i]);
            }
        }
    }

    private static boolean isPayload(Class<?> type) {
        return type != String.class
                && type != Notification.class
                && type != DurableMessage.class
                && !type.isPrimitive();
    }
}
