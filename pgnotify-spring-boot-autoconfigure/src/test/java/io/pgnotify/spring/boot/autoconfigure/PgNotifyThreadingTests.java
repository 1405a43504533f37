package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.springframework.mock.env.MockEnvironment;

/** The runtime choice of handler threads: virtual only when the property is on and the JVM has them. */
class PgNotifyThreadingTests {

    @Test
    void platformThreadsWithoutTheProperty() {
        assertThat(PgNotifyThreading.virtual(new MockEnvironment())).isFalse();
        assertThat(PgNotifyThreading.handlerThreadFactory(new MockEnvironment()))
                .isNull();
    }

    @Test
    @EnabledForJreRange(max = JRE.JAVA_20)
    void platformThreadsBeforeJava21EvenWithTheProperty() {
        MockEnvironment environment = new MockEnvironment().withProperty("spring.threads.virtual.enabled", "true");

        assertThat(PgNotifyThreading.virtual(environment)).isFalse();
        assertThat(PgNotifyThreading.handlerThreadFactory(environment)).isNull();
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void virtualThreadsFromJava21WithTheProperty() throws Exception {
        MockEnvironment environment = new MockEnvironment().withProperty("spring.threads.virtual.enabled", "true");

        ThreadFactory factory = PgNotifyThreading.handlerThreadFactory(environment);

        assertThat(factory).isNotNull();
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        Thread thread = factory.newThread(() -> ran.complete(Thread.currentThread()));
        thread.start();
        Thread current = ran.get(10, TimeUnit.SECONDS);
        assertThat(current.getName()).startsWith(PgNotifyThreading.HANDLER_THREAD_PREFIX);
        assertThat(current.isDaemon()).isTrue(); // virtual threads are always daemons
        assertThat(Thread.class.getMethod("isVirtual").invoke(current)).isEqualTo(true);
    }
}
