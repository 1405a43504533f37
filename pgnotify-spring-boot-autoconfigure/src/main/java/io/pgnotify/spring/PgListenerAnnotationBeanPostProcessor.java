package io.pgnotify.spring;

import io.micrometer.observation.ObservationRegistry;
import io.pgnotify.spring.PgListenerDiscovery.Listener;
import io.pgnotify.spring.observation.PgNotifyListenerObservationConvention;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.beans.factory.config.DestructionAwareBeanPostProcessor;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.util.StringUtils;

/**
 * Finds {@link PgListener} methods on beans (also through proxies and on superclasses and interfaces), and classes
 * annotated with {@link PgListener} with their {@link PgHandler} methods, checks that they can be served, resolves
 * {@code ${…}} placeholders in their channels and id, and registers one endpoint per listener and channel with the
 * {@link PgListenerEndpointRegistry} once every singleton exists. Registered by the
 * auto-configuration; an unusable method fails the startup with a {@link BeanInitializationException} naming it.
 *
 * <p>Beans of every scope are served on purpose: the target of a scoped proxy is skipped (the proxy, a singleton, is
 * registered and calls whichever target is current, so a refreshed bean is not registered twice); a prototype or
 * scoped bean's listeners are unregistered when the bean is destroyed.
 */
public final class PgListenerAnnotationBeanPostProcessor
        implements DestructionAwareBeanPostProcessor, SmartInitializingSingleton, BeanFactoryAware {

    private final Set<Class<?>> classesWithoutListeners = ConcurrentHashMap.newKeySet();
    private final Set<Class<?>> classesWithListeners = ConcurrentHashMap.newKeySet();
    private final Set<String> listenerBeanNames = ConcurrentHashMap.newKeySet();
    private final List<Listener> pending = new ArrayList<>();
    private final PgListenerDiscovery discovery = new PgListenerDiscovery(this::resolve);
    private @Nullable ConfigurableBeanFactory beanFactory;
    private @Nullable Collaborators collaborators;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        if (!(beanFactory instanceof ConfigurableBeanFactory configurable)) {
            throw new IllegalArgumentException("'beanFactory' must be a ConfigurableBeanFactory");
        }
        this.beanFactory = configurable;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        if (ScopedProxyUtils.isScopedTarget(beanName)) {
            return bean;
        }
        Class<?> targetClass = AopProxyUtils.ultimateTargetClass(bean);
        if (classesWithoutListeners.contains(targetClass)
                || !AnnotationUtils.isCandidateClass(targetClass, PgListener.class)) {
            return bean;
        }
        PgListenerDiscovery.Annotations annotations = PgListenerDiscovery.scan(targetClass);
        if (annotations.isEmpty()) {
            classesWithoutListeners.add(targetClass);
            return bean;
        }
        classesWithListeners.add(targetClass);
        if (!listenerBeanNames.add(beanName) && isSingleton(beanName)) {
            return bean;
        }
        List<Listener> found = discovery.listeners(bean, beanName, targetClass, annotations);
        synchronized (pending) {
            if (collaborators == null) {
                pending.addAll(found);
                return bean;
            }
        }
        // A bean created after startup (lazy or prototype): register its listeners at once.
        found.forEach(this::register);
        return bean;
    }

    @Override
    public boolean requiresDestruction(Object bean) {
        return classesWithListeners.contains(AopProxyUtils.ultimateTargetClass(bean));
    }

    @Override
    public void postProcessBeforeDestruction(Object bean, String beanName) {
        Collaborators c = collaborators;
        PgListenerEndpointRegistry registry = c != null ? c.registry() : null;
        if (registry != null) {
            registry.unregister(bean);
        }
    }

    @Override
    public void afterSingletonsInstantiated() {
        registerScopedProxies();
        List<Listener> toRegister;
        synchronized (pending) {
            collaborators = Collaborators.lookUp(requireBeanFactory());
            toRegister = new ArrayList<>(pending);
            pending.clear();
        }
        if (collaborators.registry() == null && !toRegister.isEmpty()) {
            throw new BeanInitializationException(unservable(toRegister));
        }
        toRegister.forEach(this::register);
    }

    /**
     * A scoped proxy is a factory bean's product that nothing may have asked for yet: fetch it, so that its listeners
     * are registered once, through the proxy, whatever its target is at the time.
     */
    private void registerScopedProxies() {
        if (!(requireBeanFactory() instanceof ListableBeanFactory listable)) {
            return;
        }
        for (String name : listable.getBeanDefinitionNames()) {
            if (ScopedProxyUtils.isScopedTarget(name)) {
                String proxyName = ScopedProxyUtils.getOriginalBeanName(name);
                if (!listenerBeanNames.contains(proxyName) && listable.containsBean(proxyName)) {
                    postProcessAfterInitialization(listable.getBean(proxyName), proxyName);
                }
            }
        }
    }

    private boolean isSingleton(String beanName) {
        ConfigurableBeanFactory factory = requireBeanFactory();
        return factory.containsBean(beanName) && factory.isSingleton(beanName);
    }

    private void register(Listener listener) {
        ListenerMethod listenerMethod = listener.method();
        Collaborators c = collaborators;
        if (c == null) {
            throw new IllegalStateException("Collaborators not looked up yet");
        }
        PgListenerEndpointRegistry registry = c.registry();
        if (registry == null) {
            throw new BeanInitializationException(unservable(List.of(listener)));
        }
        if ((listener.handlers() != null || listenerMethod.needsConverter()) && c.converter() == null) {
            throw new BeanInitializationException(listener.describe()
                    + (listener.handlers() != null
                            ? " reads the type of each payload from JSON"
                            : " takes a payload to convert from JSON")
                    + ", but there is no PgPayloadConverter: add Jackson"
                    + " (tools.jackson.core:jackson-databind) or define a PgPayloadConverter bean");
        }
        PgListenerErrorHandler errorHandler = StringUtils.hasText(listenerMethod.errorHandler())
                ? namedBean(listener, "errorHandler", listenerMethod.errorHandler(), PgListenerErrorHandler.class)
                : c.errorHandler();
        @Nullable
        RetryPolicy retryPolicy = StringUtils.hasText(listenerMethod.retryPolicy())
                ? namedBean(listener, "retryPolicy", listenerMethod.retryPolicy(), RetryPolicy.class)
                : registry.defaultRetryPolicy();
        boolean autoStartup =
                listenerMethod.autoStartup() != null ? listenerMethod.autoStartup() : registry.isAutoStartupByDefault();
        for (String channel : listenerMethod.channels()) {
            registry.register(
                    new MethodPgListenerEndpoint(
                            listenerMethod,
                            channel,
                            c.converter(),
                            errorHandler,
                            c.observationRegistry(),
                            c.observationConvention(),
                            retryPolicy,
                            registry.batchSize(),
                            listener.handlers()),
                    autoStartup);
        }
    }

    private <T> T namedBean(Listener listener, String attribute, String name, Class<T> type) {
        String beanName = resolve(name);
        try {
            return requireBeanFactory().getBean(beanName, type);
        } catch (BeansException e) {
            throw new BeanInitializationException(listener.describe() + " names " + attribute + " '" + beanName
                    + "', but there is no " + type.getSimpleName() + " bean of that name: " + e.getMessage());
        }
    }

    private static String unservable(List<Listener> listeners) {
        StringBuilder names = new StringBuilder();
        for (Listener listener : listeners) {
            names.append(names.isEmpty() ? "" : ", ").append(listener.describe());
        }
        return "@PgListener methods cannot be served: " + names + ". There is no PgListenerEndpointRegistry because"
                + " pgnotify has nothing to connect with: several DataSources and none marked @PgNotifyDataSource or"
                + " @Primary, or no DataSource and no pgnotify.listener.url";
    }

    private String resolve(String value) {
        String resolved = requireBeanFactory().resolveEmbeddedValue(value);
        return resolved != null ? resolved : value;
    }

    private ConfigurableBeanFactory requireBeanFactory() {
        if (beanFactory == null) {
            throw new IllegalStateException("BeanFactory not set");
        }
        return beanFactory;
    }

    private record Collaborators(
            @Nullable PgListenerEndpointRegistry registry,
            @Nullable PgPayloadConverter converter,
            PgListenerErrorHandler errorHandler,
            ObservationRegistry observationRegistry,
            @Nullable PgNotifyListenerObservationConvention observationConvention) {

        static Collaborators lookUp(ConfigurableBeanFactory beanFactory) {
            return new Collaborators(
                    beanFactory
                            .getBeanProvider(PgListenerEndpointRegistry.class)
                            .getIfAvailable(),
                    beanFactory.getBeanProvider(PgPayloadConverter.class).getIfUnique(),
                    beanFactory
                            .getBeanProvider(PgListenerErrorHandler.class)
                            .getIfUnique(PgListenerErrorHandler::logging),
                    beanFactory.getBeanProvider(ObservationRegistry.class).getIfUnique(() -> ObservationRegistry.NOOP),
                    beanFactory
                            .getBeanProvider(PgNotifyListenerObservationConvention.class)
                            .getIfUnique());
        }
    }
}
