package io.pgnotify.benchmarks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} arguments of the throughput, scale-out and memory measurements, with defaults. */
final class Flags {

    private final Map<String, String> values = new HashMap<>();

    private Flags() {}

    static Flags parse(String[] args) {
        Flags flags = new Flags();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
            }
            flags.values.put(args[i].substring(2), args[++i]);
        }
        return flags;
    }

    String text(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int number(String name, int fallback) {
        String value = values.get(name);
        return value == null ? fallback : Integer.parseInt(value);
    }

    List<Integer> numbers(String name, String fallback) {
        List<Integer> result = new ArrayList<>();
        for (String part : text(name, fallback).split(",")) {
            result.add(Integer.parseInt(part.trim()));
        }
        return result;
    }

    Server server() {
        return Server.of(
                text("url", "jdbc:postgresql://127.0.0.1:5432/postgres"),
                text("user", "postgres"),
                values.get("password"));
    }
}
