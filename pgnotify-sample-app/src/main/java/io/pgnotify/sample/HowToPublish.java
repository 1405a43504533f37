package io.pgnotify.sample;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/** Tells the user, once the application is ready, where it listens and how to send it notifications. */
@Component
public class HowToPublish {

    private static final Logger log = LoggerFactory.getLogger(HowToPublish.class);

    private final Environment environment;
    private volatile Map<String, String> commands = Map.of();

    HowToPublish(Environment environment) {
        this.environment = environment;
    }

    @EventListener(ApplicationReadyEvent.class)
    void announce() {
        String page = "http://localhost:" + environment.getProperty("local.server.port", "8080") + "/";
        String psql = psql();
        Map<String, String> result = new LinkedHashMap<>();
        result.put("page", page);
        result.put("psql", psql + " -c \"SELECT pg_notify('events', 'hello from psql')\"");
        result.put(
                "curl",
                "curl -X POST " + page + "api/publish -H 'Content-Type: application/json'"
                        + " -d '{\"channel\":\"events\",\"payload\":\"hello from curl\"}'");
        result.put(
                "job",
                psql + " -c \"SELECT pgnotify.publish_durable('emails',"
                        + " '{\\\"recipient\\\":\\\"ann@example.com\\\",\\\"subject\\\":\\\"Welcome\\\"}')\"");
        result.put("setting", psql + " -c \"UPDATE app_setting SET value = 'Bonjour' WHERE key = 'greeting'\"");
        commands = Map.copyOf(result);
        log.info(
                """

                pgnotify sample is ready.
                  Open the page:            {}
                  Publish from psql:        {}
                  Publish with curl:        {}
                  Queue an email (durable): {}
                  Hot-reload a setting:     {}
                  Health and metrics:       {}actuator/health, {}actuator/metrics, {}actuator/pgnotify""",
                result.get("page"),
                result.get("psql"),
                result.get("curl"),
                result.get("job"),
                result.get("setting"),
                page,
                page,
                page);
    }

    /**
     * The commands announced at startup, for the page.
     *
     * @return command lines by purpose
     */
    public Map<String, String> commands() {
        return commands;
    }

    /** {@code psql} with the host, port, user and database of {@code spring.datasource.url}. */
    private String psql() {
        String url = environment.getProperty("spring.datasource.url", "");
        String user = environment.getProperty("spring.datasource.username", "postgres");
        String host = "localhost";
        int port = 5432;
        String database = "postgres";
        if (url.startsWith("jdbc:postgresql://")) {
            URI uri = URI.create(url.substring("jdbc:".length()));
            host = uri.getHost() != null ? uri.getHost() : host;
            port = uri.getPort() > 0 ? uri.getPort() : port;
            String path = uri.getPath();
            database = path != null && path.length() > 1 ? path.substring(1) : database;
        }
        return "psql -h " + host + " -p " + port + " -U " + user + " -d " + database;
    }
}
