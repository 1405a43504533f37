package io.pgnotify.spring.aot;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgnotify.testing.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.core.PGStream;
import org.postgresql.core.QueryExecutorBase;
import org.postgresql.jdbc.PgConnection;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.ReflectionHintsPredicates;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** The hints for the driver internals the engine reaches by reflection, and that Spring's AOT step finds them. */
class PgNotifyRuntimeHintsTests {

    private final ReflectionHintsPredicates reflection = RuntimeHintsPredicates.reflection();

    @Test
    void registersTheDriverMembersThatPromptDeliveryReaches() throws Exception {
        RuntimeHints hints = new RuntimeHints();
        new PgNotifyRuntimeHints().registerHints(hints, getClass().getClassLoader());

        assertThat(reflection.onMethodInvocation(PgConnection.class.getMethod("getQueryExecutor")))
                .accepts(hints);
        assertThat(reflection.onFieldAccess(QueryExecutorBase.class, "pgStream"))
                .accepts(hints);
        assertThat(reflection.onFieldAccess(PGStream.class, "nextStreamAvailableCheckTime"))
                .accepts(hints);
        assertThat(reflection.onFieldAccess(PGStream.class, "minStreamAvailableCheckDelay"))
                .accepts(hints);
        assertThat(reflection.onType(org.postgresql.core.v3.QueryExecutorImpl.class))
                .accepts(hints);
    }

    @Test
    void isListedForSpringsAotStep() {
        List<RuntimeHintsRegistrar> registrars = SpringFactoriesLoader.forResourceLocation(
                        "META-INF/spring/aot.factories")
                .load(RuntimeHintsRegistrar.class);

        assertThat(registrars).hasAtLeastOneElementOfType(PgNotifyRuntimeHints.class);
    }

    @Test
    void theHintedMembersAreTheOnesTheDriverHas() throws Exception {
        // The hints name the driver's types as strings: they must still point at real members.
        assertThat(Class.forName(PgNotifyRuntimeHints.CONNECTION).getMethod("getQueryExecutor"))
                .isNotNull();
        assertThat(Class.forName(PgNotifyRuntimeHints.QUERY_EXECUTOR)
                        .getSuperclass()
                        .getName())
                .isEqualTo(PgNotifyRuntimeHints.QUERY_EXECUTOR_BASE);
        assertThat(Class.forName(PgNotifyRuntimeHints.QUERY_EXECUTOR_BASE).getDeclaredField("pgStream"))
                .isNotNull();
        Class<?> stream = Class.forName(PgNotifyRuntimeHints.STREAM);
        assertThat(stream.getDeclaredField("nextStreamAvailableCheckTime").getType())
                .isEqualTo(long.class);
        assertThat(stream.getDeclaredField("minStreamAvailableCheckDelay").getType())
                .isEqualTo(int.class);
    }

    @Test
    void theListeningConnectionIsTheDriversOwnConnectionClass() throws Exception {
        // PromptDelivery looks the method up on the listening connection's class: the hint must name that class.
        TestDatabase db = TestDatabase.shared();
        try (var connection = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password())) {
            assertThat(connection.getClass().getName()).isEqualTo(PgNotifyRuntimeHints.CONNECTION);
            assertThat(connection
                            .unwrap(PgConnection.class)
                            .getQueryExecutor()
                            .getClass()
                            .getName())
                    .isEqualTo(PgNotifyRuntimeHints.QUERY_EXECUTOR);
        }
    }
}
