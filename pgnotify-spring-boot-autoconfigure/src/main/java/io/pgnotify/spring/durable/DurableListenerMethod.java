package io.pgnotify.spring.durable;

import io.pgnotify.core.durable.DurableMessage;
import io.pgnotify.spring.PgPayloadConverter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.util.ReflectionUtils;

/**
 * A {@link PgDurableListener} method with its resolved channel and group and how each parameter is served. Built when
 * the bean is initialised, so an unusable signature fails the startup.
 */
final class DurableListenerMethod {

    private enum Kind {
        STRING,
        MESSAGE,
        CONVERTED,
        STRING_LIST,
        MESSAGE_LIST,
        CONVERTED_LIST
    }

    final String beanName;
    final Object bean;
    final Method declared;
    final Method invocable;
    final String channel;
    final String group;
    final int partitions;
    final boolean batch;
    private final Kind[] kinds;
    private final Type[] types;

    DurableListenerMethod(
            String beanName,
            Object bean,
            Method declared,
            Method invocable,
            String channel,
            String group,
            int partitions,
            boolean batch) {
        this.beanName = beanName;
        this.bean = bean;
        this.declared = declared;
        this.invocable = invocable;
        this.channel = channel;
        this.group = group;
        this.partitions = partitions;
        this.batch = batch;
        Class<?>[] classes = declared.getParameterTypes();
        this.types = declared.getGenericParameterTypes();
        this.kinds = new Kind[classes.length];
        if (batch) {
            if (classes.length != 1 || classes[0] != java.util.List.class) {
                throw new BeanInitializationException("@PgDurableListener(batch = true) method " + describe()
                        + " must take exactly one parameter, a List of String, of DurableMessage or of a type"
                        + " converted from JSON");
            }
            Type element = org.springframework.core.ResolvableType.forMethodParameter(declared, 0)
                    .getGeneric(0)
                    .getType();
            types[0] = element;
            kinds[0] = element == String.class
                    ? Kind.STRING_LIST
                    : element == DurableMessage.class ? Kind.MESSAGE_LIST : Kind.CONVERTED_LIST;
            ReflectionUtils.makeAccessible(invocable);
            return;
        }
        int payloads = 0;
        int messages = 0;
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] == DurableMessage.class) {
                kinds[i] = Kind.MESSAGE;
                messages++;
            } else {
                kinds[i] = classes[i] == String.class ? Kind.STRING : Kind.CONVERTED;
                payloads++;
            }
        }
        if (payloads > 1 || messages > 1) {
            throw new BeanInitializationException("@PgDurableListener method " + describe()
                    + " cannot be served: it may take at most one payload parameter (a String or a type converted"
                    + " from JSON) and at most one DurableMessage");
        }
        ReflectionUtils.makeAccessible(invocable);
    }

    String describe() {
        return "'" + declared.getDeclaringClass().getSimpleName() + "." + declared.getName() + "' of bean '" + beanName
                + "'";
    }

    boolean needsConverter() {
        for (Kind kind : kinds) {
            if (kind == Kind.CONVERTED || kind == Kind.CONVERTED_LIST) {
                return true;
            }
        }
        return false;
    }

    void invoke(DurableMessage message, @Nullable PgPayloadConverter converter) throws Exception {
        Object[] args = new Object[kinds.length];
        for (int i = 0; i < kinds.length; i++) {
            args[i] = switch (kinds[i]) {
                case STRING -> message.payload();
                case MESSAGE -> message;
                case CONVERTED -> java.util.Objects.requireNonNull(converter).fromPayload(message.payload(), types[i]);
                default -> throw new IllegalStateException("a batch method called with one message");
            };
        }
        call(args);
    }

    /** Calls a {@code batch = true} method with the batch, its elements converted. */
    void invokeBatch(java.util.List<DurableMessage> messages, @Nullable PgPayloadConverter converter) throws Exception {
        java.util.List<Object> list = new java.util.ArrayList<>(messages.size());
        for (DurableMessage message : messages) {
            list.add(
                    switch (kinds[0]) {
                        case STRING_LIST -> message.payload();
                        case MESSAGE_LIST -> message;
                        case CONVERTED_LIST ->
                            java.util.Objects.requireNonNull(converter).fromPayload(message.payload(), types[0]);
                        default -> throw new IllegalStateException("not a batch method");
                    });
        }
        call(new Object[] {list});
    }

    private void call(Object[] args) throws Exception {
        try {
            invocable.invoke(bean, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            throw e;
        }
    }
}
