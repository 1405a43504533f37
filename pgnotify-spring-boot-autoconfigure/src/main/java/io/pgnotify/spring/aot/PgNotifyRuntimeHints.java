package io.pgnotify.spring.aot;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;

/**
 * The driver internals that pgnotify-core reaches by reflection to hand notifications over as soon as they are read
 * (its {@code PromptDelivery}): {@code PgConnection.getQueryExecutor()}, the executor's {@code pgStream} and two
 * fields of {@code PGStream}. Without them a native image still delivers every notification, on the core's slower
 * fallback path. Listed in {@code META-INF/spring/aot.factories}.
 *
 * <p>The types are named, not linked, so that a pgjdbc that moves them only loses the hint.
 */
class PgNotifyRuntimeHints implements RuntimeHintsRegistrar {

    static final String CONNECTION = "org.postgresql.jdbc.PgConnection";
    static final String QUERY_EXECUTOR = "org.postgresql.core.v3.QueryExecutorImpl";
    static final String QUERY_EXECUTOR_BASE = "org.postgresql.core.QueryExecutorBase";
    static final String STREAM = "org.postgresql.core.PGStream";

    @Override
    public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
        hints.reflection()
                .registerType(
                        TypeReference.of(CONNECTION),
                        type -> type.withMethod("getQueryExecutor", List.of(), ExecutableMode.INVOKE))
                // Looked up first, without the field: the search walks up to the base class that declares it.
                .registerType(TypeReference.of(QUERY_EXECUTOR))
                .registerType(TypeReference.of(QUERY_EXECUTOR_BASE), type -> type.withField("pgStream"))
                .registerType(
                        TypeReference.of(STREAM),
                        type -> type.withField("nextStreamAvailableCheckTime")
                                .withField("minStreamAvailableCheckDelay"));
    }
}
