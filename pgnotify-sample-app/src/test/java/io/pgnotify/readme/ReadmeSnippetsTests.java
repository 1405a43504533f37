package io.pgnotify.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java snippet of the root README.md appears, whitespace aside, in one of this package's sources: the build
 * compiles them, so the README's Java cannot stop compiling unnoticed.
 */
class ReadmeSnippetsTests {

    private static final Path README = Path.of("..", "README.md");
    private static final Path SOURCES = Path.of("src", "test", "java", "io", "pgnotify", "readme");
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\R(.*?)```", Pattern.DOTALL);

    @Test
    void everyJavaSnippetOfTheReadmeIsCompiledHere() throws IOException {
        List<String> snippets = javaSnippets();
        List<String> sources = sources();

        assertThat(snippets).as("Java snippets in README.md").isNotEmpty();
        for (String snippet : snippets) {
            String needle = withoutWhitespace(snippet);
            assertThat(sources)
                    .as("README.md snippet not found in %s:%n%s", SOURCES, snippet)
                    .anyMatch(source -> source.contains(needle));
        }
    }

    private static List<String> javaSnippets() throws IOException {
        Matcher matcher = JAVA_BLOCK.matcher(Files.readString(README));
        List<String> snippets = new ArrayList<>();
        while (matcher.find()) {
            snippets.add(matcher.group(1));
        }
        return snippets;
    }

    private static List<String> sources() throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            List<String> sources = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                sources.add(withoutWhitespace(Files.readString(file)));
            }
            return sources;
        }
    }

    // The formatter may break lines differently from the README; only the tokens must match.
    private static String withoutWhitespace(String code) {
        return code.replaceAll("\\s+", "");
    }
}
