package io.pgnotify.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sample's {@code application.yml} says it lists every pgnotify property with its default, as the README does:
 * every property of the starter's configuration metadata appears there, set or in a comment.
 */
class SampleConfigurationTests {

    private static final Path APPLICATION_YML = Path.of("src", "main", "resources", "application.yml");
    // A key, possibly commented out: "  ping-interval: 30s", "    # url: jdbc:…"; prose comments have spaces or
    // capitals.
    private static final Pattern KEY = Pattern.compile("^(\\s*)(?:#\\s?)?(\\s*)([a-z][a-z0-9-]*):(\\s.*)?$");

    @Test
    void namesEveryPgnotifyPropertyOfTheMetadata() throws IOException {
        Set<String> keys = keys();
        Set<String> missing = new TreeSet<>();
        for (String name : metadataProperties()) {
            if (name.startsWith("pgnotify.")
                    && !keys.contains(name)
                    && keys.stream().noneMatch(key -> key.startsWith(name + "."))) {
                missing.add(name);
            }
        }
        assertThat(missing)
                .as("pgnotify properties missing from %s", APPLICATION_YML)
                .isEmpty();
    }

    private static Set<String> metadataProperties() throws IOException {
        Set<String> names = new HashSet<>();
        for (String resource : new String[] {
            "META-INF/spring-configuration-metadata.json", "META-INF/additional-spring-configuration-metadata.json"
        }) {
            var urls = SampleConfigurationTests.class.getClassLoader().getResources(resource);
            while (urls.hasMoreElements()) {
                try (InputStream in = urls.nextElement().openStream()) {
                    JsonNode properties =
                            JsonMapper.builder().build().readTree(in).get("properties");
                    if (properties != null) {
                        properties.forEach(
                                property -> names.add(property.get("name").asString()));
                    }
                }
            }
        }
        assertThat(names).as("the starter's configuration metadata").contains("pgnotify.enabled");
        return names;
    }

    private static Set<String> keys() throws IOException {
        Set<String> keys = new HashSet<>();
        Deque<Object[]> path = new ArrayDeque<>();
        for (String line : Files.readAllLines(APPLICATION_YML)) {
            Matcher key = KEY.matcher(line);
            if (!key.matches()) {
                continue;
            }
            int indent = key.group(1).length() + key.group(2).length();
            while (!path.isEmpty() && (int) path.peekLast()[0] >= indent) {
                path.removeLast();
            }
            path.addLast(new Object[] {indent, key.group(3)});
            StringBuilder name = new StringBuilder();
            for (Object[] segment : path) {
                name.append(name.isEmpty() ? "" : ".").append(segment[1]);
            }
            keys.add(name.toString());
        }
        return keys;
    }
}
