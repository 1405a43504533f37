package io.pgnotify.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Command-line options; every one has a default, so no argument runs the documented benchmark. */
record Options(
        Server server,
        String channel,
        List<Integer> rates,
        Duration warmup,
        Duration measured,
        int runs,
        List<String> listeners,
        boolean poisson) {

    static final List<String> ALL_LISTENERS = List.of("pgnotify", "libpq", "vertx", "naive", "prompt");

    /** Listeners that can be named but are not in the default set. */
    static final List<String> EXTRA_LISTENERS = List.of("pgnotify-handoff", "pgnotify-no-watcher", "pgnotify-own-jvm");

    static final String USAGE = """
            Usage: java -jar pgnotify-benchmarks/target/pgnotify-benchmarks.jar [options]
              --url URL          jdbc:postgresql://host[:port]/database (default jdbc:postgresql://127.0.0.1:5432/postgres)
              --user NAME        (default postgres)
              --password SECRET  (default none)
              --rates LIST       notifications per second, one step each (default 100,1000,5000)
              --seconds N        measured seconds per step (default 20)
              --warmup N         warm-up seconds per step, not recorded (default 5)
              --runs N           repetitions of all steps, each with fresh connections (default 3)
              --listeners LIST   any of pgnotify,libpq,vertx,naive,prompt (default all, all listening at once;
                         libpq is the C baseline, skipped with a message without gcc and libpq-dev), and
                         pgnotify-handoff: pgnotify whose reading thread hands every notification to a
                         worker (-Dpgnotify.dispatch.hand-off=true), the path with a custom thread factory;
                         pgnotify-no-watcher: pgnotify whose reading thread wakes a worker before every
                         handler it runs (-Dpgnotify.dispatch.watcher=false);
                         pgnotify-own-jvm: pgnotify alone in a child JVM, as a service runs it
              --arrivals KIND    fixed (evenly spaced, default) or poisson (random gaps, like pgbench --rate)
              --channel NAME     (default pgnotify_bench)
            """;

    static Options parse(String[] args) {
        String url = "jdbc:postgresql://127.0.0.1:5432/postgres";
        String user = "postgres";
        @Nullable String password = null;
        List<Integer> rates = List.of(100, 1000, 5000);
        int seconds = 20;
        int warmup = 5;
        int runs = 3;
        List<String> listeners = ALL_LISTENERS;
        String channel = "pgnotify_bench";
        boolean poisson = false;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--help") || name.equals("-h")) {
                throw new IllegalArgumentException("");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Option " + name + " needs a value");
            }
            String value = args[++i];
            switch (name) {
                case "--url" -> url = value;
                case "--user" -> user = value;
                case "--password" -> password = value;
                case "--rates" -> rates = positives(name, value);
                case "--seconds" -> seconds = positive(name, value);
                case "--warmup" -> warmup = positive(name, value);
                case "--runs" -> runs = positive(name, value);
                case "--channel" -> channel = value;
                case "--arrivals" -> {
                    if (!value.equals("fixed") && !value.equals("poisson")) {
                        throw new IllegalArgumentException("--arrivals must be fixed or poisson, got " + value);
                    }
                    poisson = value.equals("poisson");
                }
                case "--listeners" -> {
                    listeners = Arrays.asList(value.split(","));
                    Set<String> known = new java.util.HashSet<>(ALL_LISTENERS);
                    known.addAll(EXTRA_LISTENERS);
                    if (!known.containsAll(listeners)) {
                        throw new IllegalArgumentException("--listeners must be among " + known + ", got " + value);
                    }
                }
                default -> throw new IllegalArgumentException("Unknown option " + name);
            }
        }
        return new Options(
                Server.of(url, user, password),
                channel,
                rates,
                Duration.ofSeconds(warmup),
                Duration.ofSeconds(seconds),
                runs,
                listeners,
                poisson);
    }

    private static List<Integer> positives(String name, String value) {
        List<Integer> list = new ArrayList<>();
        for (String part : value.split(",")) {
            list.add(positive(name, part.trim()));
        }
        return List.copyOf(list);
    }

    private static int positive(String name, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a positive integer, got '" + value + "'");
    }
}
