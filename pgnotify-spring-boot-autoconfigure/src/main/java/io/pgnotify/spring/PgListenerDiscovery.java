package io.pgnotify.spring;

import io.pgnotify.core.NotifyLimits;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.StringUtils;

/**
 * Reads a bean class's {@link PgListener} and {@link PgHandler} annotations into the listeners to register: one per
 * annotated method, and one per class annotated with {@link PgListener}, with its handlers. Resolves {@code ${…}}
 * placeholders, and fails with a {@link BeanInitializationException} naming the method or class it cannot serve.
 */
final class PgListenerDiscovery {

    private final UnaryOperator<String> resolver;

    /** Creates a discovery that resolves placeholders with {@code resolver}. */
    PgListenerDiscovery(UnaryOperator<String> resolver) {
        this.resolver = resolver;
    }

    /** A class's listener annotations, found through proxies, superclasses and interfaces. */
    record Annotations(
            Map<Method, PgListener> methods, @Nullable PgListener classLevel, Map<Method, PgHandler> handlers) {

        /** Whether the class has nothing to register and nothing to reject. */
        boolean isEmpty() {
            return methods.isEmpty() && classLevel == null && handlers.isEmpty();
        }
    }

    static Annotations scan(Class<?> targetClass) {
        return new Annotations(
                MethodIntrospector.selectMethods(targetClass, (MethodIntrospector.MetadataLookup<PgListener>)
                        method -> AnnotatedElementUtils.findMergedAnnotation(method, PgListener.class)),
                AnnotatedElementUtils.findMergedAnnotation(targetClass, PgListener.class),
                MethodIntrospector.selectMethods(targetClass, (MethodIntrospector.MetadataLookup<PgHandler>)
                        method -> AnnotatedElementUtils.findMergedAnnotation(method, PgHandler.class)));
    }

    /** The listeners of a bean: its method-level listeners, then its class-level one. */
    List<Listener> listeners(Object bean, String beanName, Class<?> targetClass, Annotations annotations) {
        PgListener classLevel = annotations.classLevel();
        if (classLevel == null && !annotations.handlers().isEmpty()) {
            throw new BeanInitializationException("@PgHandler methods of bean '" + beanName + "' ("
                    + targetClass.getSimpleName() + ") need @PgListener on the class, naming the channels they handle");
        }
        List<Listener> found = new ArrayList<>();
        annotations
                .methods()
                .forEach((method, annotation) -> found.add(new Listener(
                        listenerMethod(bean, beanName, method, annotation, beanName + "#" + method.getName()), null)));
        if (classLevel != null) {
            found.add(classListener(bean, beanName, targetClass, classLevel, annotations.handlers()));
        }
        return found;
    }

    /** A class-level listener: one listener id and container, its handlers chosen by the payload's type. */
    private Listener classListener(
            Object bean,
            String beanName,
            Class<?> targetClass,
            PgListener annotation,
            Map<Method, PgHandler> handlers) {
        String description = Listener.describeClass(beanName, targetClass);
        if (annotation.batch()) {
            throw new BeanInitializationException(description + " cannot take batches: batch = true is for methods");
        }
        Map<ListenerMethod, PgHandler> methods = new LinkedHashMap<>();
        handlers.forEach((method, handler) ->
                methods.put(listenerMethod(bean, beanName, method, annotation, beanName), handler));
        PgHandlerMethods indexed = PgHandlerMethods.of(description, resolver.apply(annotation.typeProperty()), methods);
        return new Listener(indexed.representative(), indexed);
    }

    private ListenerMethod listenerMethod(
            Object bean, String beanName, Method method, PgListener annotation, String defaultId) {
        String description = ListenerMethod.describe(beanName, method);
        if (Modifier.isStatic(method.getModifiers())) {
            throw new BeanInitializationException("@PgListener method " + description + " must not be static");
        }
        Method invocable;
        try {
            invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
        } catch (IllegalStateException e) {
            throw new BeanInitializationException(
                    "@PgListener method " + description + " cannot be called on the bean's proxy: " + e.getMessage(),
                    e);
        }
        ReflectionUtils.makeAccessible(invocable);
        Set<String> channels = new LinkedHashSet<>();
        for (String channel : annotation.channels()) {
            String resolved = resolver.apply(channel);
            if (!StringUtils.hasLength(resolved)) {
                throw new BeanInitializationException(
                        "@PgListener method " + description + " names an empty channel ('" + channel + "')");
            }
            try {
                channels.add(NotifyLimits.checkChannel(resolved));
            } catch (IllegalArgumentException e) {
                throw new BeanInitializationException("@PgListener method " + description + ": " + e.getMessage(), e);
            }
        }
        if (channels.isEmpty()) {
            throw new BeanInitializationException("@PgListener method " + description + " names no channel");
        }
        String id = StringUtils.hasText(annotation.id()) ? resolver.apply(annotation.id()) : defaultId;
        return new ListenerMethod(
                beanName,
                bean,
                method,
                invocable,
                id,
                List.copyOf(channels),
                annotation.batch()
                        ? ListenerMethod.batchParameters(beanName, method)
                        : ListenerMethod.parameters(beanName, method),
                autoStartup(description, annotation.autoStartup()),
                annotation.errorHandler(),
                annotation.retryPolicy());
    }

    private @Nullable Boolean autoStartup(String description, String value) {
        if (!StringUtils.hasText(value)) {
            return null;
        }
        String resolved = resolver.apply(value).trim();
        if (resolved.equalsIgnoreCase("true") || resolved.equalsIgnoreCase("false")) {
            return Boolean.valueOf(resolved);
        }
        throw new BeanInitializationException("@PgListener method " + description + " has autoStartup '" + resolved
                + "'; it must be 'true' or 'false'");
    }

    /** A method-level listener, or a class-level one with its handlers. */
    record Listener(ListenerMethod method, @Nullable PgHandlerMethods handlers) {

        String describe() {
            return handlers == null
                    ? "@PgListener method " + ListenerMethod.describe(method.beanName(), method.declaredMethod())
                    : describeClass(method.beanName(), AopProxyUtils.ultimateTargetClass(method.bean()));
        }

        static String describeClass(String beanName, Class<?> type) {
            return "class-level @PgListener '" + type.getSimpleName() + "' of bean '" + beanName + "'";
        }
    }
}
