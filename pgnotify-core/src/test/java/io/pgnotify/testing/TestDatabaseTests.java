package io.pgnotify.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

class TestDatabaseTests {

    @Test
    void sharedServerAnswersQueries() throws Exception {
        try (Connection c = TestDatabase.shared().connect();
                ResultSet rs = c.createStatement().executeQuery("select current_setting('server_version_num')::int")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isGreaterThan(140000);
        }
    }
}
