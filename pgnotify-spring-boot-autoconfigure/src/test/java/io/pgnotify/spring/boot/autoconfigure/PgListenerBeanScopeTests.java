package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectFactory;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.beans.factory.config.Scope;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ScopedProxyMode;

/** Listener beans that are not plain singletons: prototypes, scoped proxies, refreshed beans, lazy initialisation. */
class PgListenerBeanScopeTests {

    private final ApplicationContextRunner contextRunner = TestApplications.onTestDatabase();

    @Test
    void unregistersAPrototypesListenersWhenTheBeanIsDestroyed() {
        contextRunner.withUserConfiguration(Prototypes.class).run(context -> {
            awaitListening(context);
            PgListenerEndpointRegistry registry = context.getBean(PgListenerEndpointRegistry.class);
            ConfigurableBeanFactory beanFactory = context.getBeanFactory();
            for (int i = 0; i < 100; i++) {
                PrototypeListener listener = context.getBean(PrototypeListener.class);
                beanFactory.destroyBean("prototypeListener", listener);
            }
            assertThat(registry.endpoints()).isEmpty();
            assertThat(context.getBean(Notifier.class).channels()).doesNotContain("sc-prototype");

            PrototypeListener kept = context.getBean(PrototypeListener.class);
            assertThat(registry.endpoints()).hasSize(1);
            // subscribe() waits for the LISTEN for at most the ping timeout; on a loaded machine it can return first.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Notifier.class)
                            .status()
                            .listenedChannels()
                            .contains("sc-prototype"));
            publish(context, "sc-prototype", "p");
            await().atMost(Duration.ofSeconds(10)).until(() -> kept.received.contains("p"));
        });
    }

    @Test
    void registersAScopedProxyOnceAndReachesTheCurrentTargetAfterARefresh() {
        contextRunner.withUserConfiguration(Refreshable.class).run(context -> {
            awaitListening(context);
            PgListenerEndpointRegistry registry = context.getBean(PgListenerEndpointRegistry.class);
            assertThat(registry.endpoints()).hasSize(1);
            publish(context, "sc-refresh", "first");
            await().atMost(Duration.ofSeconds(10)).until(() -> Refreshable.RECEIVED.contains("1:first"));

            context.getBean(RefreshScope.class).refresh();
            context.getBean(RefreshScope.class).refresh();

            assertThat(registry.endpoints()).hasSize(1);
            publish(context, "sc-refresh", "second");
            await().atMost(Duration.ofSeconds(10)).until(() -> Refreshable.RECEIVED.size() == 2);
            assertThat(Refreshable.RECEIVED)
                    .last()
                    .asString()
                    .endsWith(":second")
                    .doesNotStartWith("1:");
        });
    }

    @Test
    void createsListenerBeansEagerlyUnderLazyInitialization() {
        contextRunner
                .withInitializer(context ->
                        context.addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor()))
                .withBean(LazyListener.class)
                .run(context -> {
                    awaitListening(context);
                    assertThat(context.getBean(Notifier.class).channels()).contains("sc-lazy");
                });
    }

    private static void awaitListening(AssertableApplicationContext context) {
        assertThat(context).hasNotFailed();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
    }

    private static void publish(AssertableApplicationContext context, String channel, String payload) {
        context.getBean(PgNotifyTemplate.class).publish(channel, payload);
    }

    static class PrototypeListener {

        final Queue<String> received = new ConcurrentLinkedQueue<>();

        @PgListener("sc-prototype")
        void receive(String payload) {
            received.add(payload);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Prototypes {

        @Bean
        @org.springframework.context.annotation.Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
        PrototypeListener prototypeListener() {
            return new PrototypeListener();
        }
    }

    /** A scope whose refresh destroys its beans, as Spring Cloud's refresh scope does. */
    static class RefreshScope implements Scope {

        private final Map<String, Object> beans = new ConcurrentHashMap<>();
        private final Map<String, Runnable> destructionCallbacks = new ConcurrentHashMap<>();

        void refresh() {
            beans.clear();
            destructionCallbacks.values().forEach(Runnable::run);
            destructionCallbacks.clear();
        }

        @Override
        public Object get(String name, ObjectFactory<?> objectFactory) {
            return beans.computeIfAbsent(name, n -> objectFactory.getObject());
        }

        @Override
        public @Nullable Object remove(String name) {
            destructionCallbacks.remove(name);
            return beans.remove(name);
        }

        @Override
        public void registerDestructionCallback(String name, Runnable callback) {
            destructionCallbacks.put(name, callback);
        }

        @Override
        public @Nullable Object resolveContextualObject(String key) {
            return null;
        }

        @Override
        public @Nullable String getConversationId() {
            return "refresh";
        }
    }

    static class RefreshedListener {

        private static final AtomicInteger GENERATION = new AtomicInteger();

        private final int generation = GENERATION.incrementAndGet();

        @PgListener("sc-refresh")
        public void receive(String payload) {
            Refreshable.RECEIVED.add(generation + ":" + payload);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Refreshable {

        static final Queue<String> RECEIVED = new ConcurrentLinkedQueue<>();

        @Bean
        static RefreshScope refreshScope() {
            return new RefreshScope();
        }

        @Bean
        static org.springframework.beans.factory.config.CustomScopeConfigurer refreshScopeConfigurer(
                RefreshScope scope) {
            org.springframework.beans.factory.config.CustomScopeConfigurer configurer =
                    new org.springframework.beans.factory.config.CustomScopeConfigurer();
            configurer.addScope("refresh", scope);
            return configurer;
        }

        @Bean
        @org.springframework.context.annotation.Scope(value = "refresh", proxyMode = ScopedProxyMode.TARGET_CLASS)
        RefreshedListener refreshedListener() {
            return new RefreshedListener();
        }
    }

    static class LazyListener {

        @PgListener("sc-lazy")
        void receive(String payload) {}
    }
}
