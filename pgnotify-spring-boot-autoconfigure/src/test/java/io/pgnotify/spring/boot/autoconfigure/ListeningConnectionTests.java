package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.pgnotify.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The listening connection takes the DataSource's driver properties, and pgnotify.listener.properties over them. */
class ListeningConnectionTests {

    @Test
    void takesTheHikariDataSourcesDriverPropertiesAndTheListenerPropertiesOverThem() throws Exception {
        TestDatabase db = TestDatabase.shared();
        try (HikariDataSource dataSource = new HikariDataSource()) {
            dataSource.setJdbcUrl(db.url());
            dataSource.setUsername(db.user());
            dataSource.setPassword(db.password());
            dataSource.addDataSourceProperty("sslmode", "disable");
            dataSource.addDataSourceProperty("options", "-c statement_timeout=4321");
            PgNotifyProperties.Listener listener = new PgNotifyProperties.Listener();
            listener.getProperties().put("options", "-c statement_timeout=1234");

            ListeningConnection connection = ListeningConnection.of(listener, null, dataSource);

            assertThat(connection.url()).isEqualTo(db.url());
            assertThat(connection.properties()).containsEntry("sslmode", "disable");
            try (Connection opened = connection.getConnection();
                    Statement statement = opened.createStatement();
                    ResultSet result = statement.executeQuery("SHOW statement_timeout")) {
                result.next();
                assertThat(result.getString(1)).isEqualTo("1234ms");
            }
        }
    }
}
