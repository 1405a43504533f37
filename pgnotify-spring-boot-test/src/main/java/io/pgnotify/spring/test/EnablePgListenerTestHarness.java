package io.pgnotify.spring.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Import;

/**
 * Adds a {@link PgListenerTestHarness} bean to the test's application context, to autowire into the test.
 *
 * <pre>{@code
 * @SpringBootTest
 * @EnablePgListenerTestHarness
 * class OrderListenerTests { … }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Import(PgListenerTestHarness.class)
public @interface EnablePgListenerTestHarness {}
