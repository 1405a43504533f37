package io.pgnotify.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Repeated measurements of one quantity: median and range, for the Markdown tables. */
final class Spread {

    private final List<Double> values = new ArrayList<>();

    void add(double value) {
        values.add(value);
    }

    double median() {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    double min() {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    double max() {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** {@code median [min – max]} with the given format for each number. */
    String format(String number) {
        return String.format(Locale.ROOT, number + " [" + number + " – " + number + "]", median(), min(), max());
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
