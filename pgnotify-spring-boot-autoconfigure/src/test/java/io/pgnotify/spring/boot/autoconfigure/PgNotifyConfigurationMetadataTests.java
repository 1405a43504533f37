package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The configuration metadata an IDE shows: every property named and described. */
class PgNotifyConfigurationMetadataTests {

    @Test
    void describesEveryListenerContainerProperty() throws Exception {
        Map<String, JsonNode> properties = new HashMap<>();
        for (String resource : new String[] {
            "META-INF/spring-configuration-metadata.json", "META-INF/additional-spring-configuration-metadata.json"
        }) {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
                assertThat(in).as(resource).isNotNull();
                for (JsonNode property :
                        JsonMapper.builder().build().readTree(in).get("properties")) {
                    properties.merge(
                            property.get("name").asString(), property, (a, b) -> b.has("defaultValue") ? b : a);
                }
            }
        }
        assertThat(properties)
                .containsKeys(
                        "pgnotify.max-workers",
                        "pgnotify.listener.auto-startup",
                        "pgnotify.listener.batch-size",
                        "pgnotify.listener.phase",
                        "pgnotify.listener.max-lifetime",
                        "pgnotify.listener.properties",
                        "pgnotify.listener.retry.max-retries",
                        "pgnotify.listener.retry.delay",
                        "pgnotify.listener.retry.multiplier",
                        "pgnotify.listener.retry.max-delay",
                        "pgnotify.listener.retry.jitter");
        properties.forEach((name, property) -> assertThat(property.has("description"))
                .as(name + " has a description")
                .isTrue());
        assertThat(properties.get("pgnotify.listener.phase").get("defaultValue").asInt())
                .isEqualTo(Integer.MAX_VALUE - 4096);
    }
}
