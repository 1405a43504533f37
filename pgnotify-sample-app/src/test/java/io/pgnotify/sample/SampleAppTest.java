package io.pgnotify.sample;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The whole sample on a random port, against the embedded PostgreSQL it starts itself, or against
 * {@code PGNOTIFY_TEST_JDBC_URL} when that is set. Every test class uses this one configuration, so they share one
 * application context and one server.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(
        classes = SampleApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=${PGNOTIFY_TEST_JDBC_URL:}",
            "spring.datasource.username=${PGNOTIFY_TEST_USER:postgres}",
            "spring.datasource.password=${PGNOTIFY_TEST_PASSWORD:}",
            "pgnotify.reconnect.initial-interval=100ms"
        })
public @interface SampleAppTest {}
