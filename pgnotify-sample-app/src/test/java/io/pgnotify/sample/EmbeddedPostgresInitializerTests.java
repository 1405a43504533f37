package io.pgnotify.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;

class EmbeddedPostgresInitializerTests {

    @Test
    void withoutADatasourceUrlAServerIsStartedForTheContextAndStoppedWithIt() throws SQLException {
        GenericApplicationContext context = new GenericApplicationContext();
        new EmbeddedPostgresInitializer().initialize(context);
        context.refresh();
        String url = context.getEnvironment().getRequiredProperty("spring.datasource.url");
        assertThat(context.getBean(EmbeddedPostgresInitializer.BEAN_NAME)).isInstanceOf(EmbeddedPostgres.class);
        try (Connection connection = DriverManager.getConnection(url)) {
            assertThat(connection.isValid(5)).isTrue();
        }

        context.close();

        assertThatExceptionOfType(SQLException.class).isThrownBy(() -> DriverManager.getConnection(url));
    }

    @Test
    void withADatasourceUrlNothingIsStarted() {
        try (GenericApplicationContext context = new GenericApplicationContext()) {
            context.getEnvironment()
                    .getPropertySources()
                    .addFirst(new MapPropertySource(
                            "test", Map.of("spring.datasource.url", "jdbc:postgresql://db.example:5432/app")));
            new EmbeddedPostgresInitializer().initialize(context);
            context.refresh();

            assertThat(context.containsBean(EmbeddedPostgresInitializer.BEAN_NAME))
                    .isFalse();
            assertThat(context.getEnvironment().getProperty("spring.datasource.url"))
                    .isEqualTo("jdbc:postgresql://db.example:5432/app");
        }
    }
}
